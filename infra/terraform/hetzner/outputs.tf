output "server_id" {
  description = "ID of the Hetzner Cloud server."
  value       = hcloud_server.this.id
}

output "ipv4_address" {
  description = "Public IPv4 address of the server (a primary IP: it survives a server rebuild)."
  value       = local.ipv4_address
}

output "ipv6_address" {
  description = "Public IPv6 address of the server (the first address of its primary /64)."
  value       = local.ipv6_address
}

output "service_fqdns" {
  description = "Names that resolve to the server, the service's public name first."
  value       = local.fqdns
}

output "dns_nameservers" {
  description = "Authoritative Hetzner name servers of the zone to enter at the registrar (null when the zone was not created here)."
  value       = var.create_dns_zone ? hcloud_zone.this[0].authoritative_nameservers.assigned : null
}

output "host_public_key" {
  description = "The server's SSH host public key (ssh-ed25519 AAAA...), installed by cloud-init at first boot."
  value       = local.host_public_key
}

output "known_hosts_line" {
  description = "known_hosts line pinning the server's host key under its names and addresses: the VPS_KNOWN_HOSTS repository variable."
  value       = local.known_hosts
}

output "github_variables" {
  description = "Repository variables the CD and rollback workflows read (docs/DEPLOY.md): VPS_HOST, VPS_KNOWN_HOSTS, PRODUCTION_URL."
  value = {
    VPS_HOST        = local.ipv4_address
    VPS_KNOWN_HOSTS = local.known_hosts
    PRODUCTION_URL  = "https://${local.fqdns[0]}"
  }
}

output "ansible_inventory" {
  description = "Ansible inventory (hosts.yml) for this server, in the layout of infra/ansible/inventory/example: tofu output -raw ansible_inventory > infra/ansible/inventory/production/hosts.yml."
  value = yamlencode({
    slipway = {
      hosts = {
        # root holds the admin key; setup-vps.sh keeps its key login while keep_root_login is true.
        (var.name) = { ansible_host = local.ipv4_address, ansible_user = "root" }
      }
    }
  })
}
