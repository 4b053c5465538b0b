/**
 * A GitHub Deployment per deploy or rollback, with in_progress then success/failure statuses. Recording is a
 * courtesy: any API error is a warning and never fails (or changes) the deploy itself.
 */
import * as core from '@actions/core';
import { type GitHubClient, createGitHubClient, repoFromEnv } from '../index.js';

export interface DeploymentFacts {
  token: string;
  environment: string;
  environmentUrl: string;
  description: string;
  payload: Record<string, unknown>;
}

export type DeploymentState = 'in_progress' | 'success' | 'failure';

export class DeploymentRecorder {
  private id: number | undefined;

  private constructor(
    private readonly client: GitHubClient | undefined,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Records nothing without a token, GITHUB_REPOSITORY or GITHUB_SHA (e.g. outside a workflow). */
  static create(token: string, env: NodeJS.ProcessEnv = process.env): DeploymentRecorder {
    if (!token || !env.GITHUB_REPOSITORY || !env.GITHUB_SHA) return new DeploymentRecorder(undefined, env);
    return new DeploymentRecorder(createGitHubClient(token, env), env);
  }

  get deploymentId(): number | undefined {
    return this.id;
  }

  private logUrl(): string | undefined {
    const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = this.env;
    return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
  }

  async start(f: DeploymentFacts): Promise<void> {
    if (!this.client) return;
    try {
      const res = await this.client.rest.repos.createDeployment({
        ...repoFromEnv(this.env),
        ref: this.env.GITHUB_SHA!,
        environment: f.environment,
        description: f.description.slice(0, 140),
        payload: f.payload,
        auto_merge: false,
        required_contexts: [],
        production_environment: f.environment === 'production',
      });
      this.id = (res.data as { id?: number }).id;
      await this.status('in_progress', f.description, f.environmentUrl);
    } catch (err) {
      core.warning(`Recording the GitHub Deployment failed (the deploy goes on): ${(err as Error).message}`);
    }
  }

  async status(state: DeploymentState, description: string, environmentUrl = ''): Promise<void> {
    if (!this.client || this.id === undefined) return;
    try {
      await this.client.rest.repos.createDeploymentStatus({
        ...repoFromEnv(this.env),
        deployment_id: this.id,
        state,
        description: description.slice(0, 140),
        ...(this.logUrl() ? { log_url: this.logUrl() } : {}),
        ...(environmentUrl ? { environment_url: environmentUrl } : {}),
        auto_inactive: state === 'success',
      });
    } catch (err) {
      core.warning(`Recording the deployment status '${state}' failed: ${(err as Error).message}`);
    }
  }
}
