variable "name" {
  description = "Name of the server (also its host name) and prefix of every resource this configuration creates."
  type        = string
  default     = "slipway"

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.name))
    error_message = "Variable 'name' must be a host name label: 1-63 of a-z 0-9 '-', starting with a letter, not ending with '-'."
  }
}

variable "location" {
  description = "Hetzner Cloud location of the server and its primary IPs."
  type        = string
  default     = "fsn1"

  validation {
    condition     = contains(["fsn1", "nbg1", "hel1", "ash", "hil", "sin"], var.location)
    error_message = "Variable 'location' must be one of fsn1, nbg1, hel1, ash, hil, sin."
  }
}

variable "server_type" {
  description = "Hetzner Cloud server type (2 vCPU / 4 GB, cx23, is enough for the reference service)."
  type        = string
  default     = "cx23"

  validation {
    condition     = can(regex("^[a-z]+[0-9]+[a-z]*$", var.server_type))
    error_message = "Variable 'server_type' must be a Hetzner server type name such as cx23, cpx21 or cax11."
  }
}

variable "image" {
  description = "Operating system image. infra/scripts/setup-vps.sh supports Debian 12 and 13."
  type        = string
  default     = "debian-12"

  validation {
    condition     = contains(["debian-12", "debian-13"], var.image)
    error_message = "Variable 'image' must be debian-12 or debian-13: the bootstrap (infra/scripts/setup-vps.sh) supports only those."
  }
}

variable "admin_ssh_public_key" {
  description = "OpenSSH public key authorised for root at first boot: the key the bootstrap and Ansible connect with."
  type        = string

  validation {
    condition     = can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh.com) [A-Za-z0-9+/]{60,}={0,2}( [^\n]*)?$", trimspace(var.admin_ssh_public_key)))
    error_message = "Variable 'admin_ssh_public_key' must be one OpenSSH public key line (ssh-ed25519 AAAA...), e.g. the content of ~/.ssh/id_ed25519.pub."
  }
}

variable "admin_cidrs" {
  description = "Source addresses (CIDR) allowed to reach SSH on port 22. CD connects over SSH too: include the addresses your runners deploy from (docs/INFRA.md)."
  type        = list(string)

  validation {
    condition     = length(var.admin_cidrs) > 0
    error_message = "Variable 'admin_cidrs' must list at least one CIDR (e.g. \"203.0.113.7/32\"): without one nobody, CD included, can reach SSH."
  }

  validation {
    condition     = alltrue([for cidr in var.admin_cidrs : can(cidrhost(cidr, 0)) && strcontains(cidr, "/")])
    error_message = "Variable 'admin_cidrs' must hold IPv4 or IPv6 networks in CIDR notation, such as \"203.0.113.7/32\" or \"2001:db8::/48\"."
  }
}

variable "deploy_public_keys" {
  description = "OpenSSH public keys authorised for the deploy user (setup-vps.sh --deploy-key): the CD key, whose private half is the production environment's VPS_SSH_KEY secret (docs/DEPLOY.md), and any operator's."
  type        = list(string)

  validation {
    condition     = length(var.deploy_public_keys) > 0
    error_message = "Variable 'deploy_public_keys' must hold at least one key: CD logs in as the deploy user with it."
  }

  validation {
    condition     = alltrue([for k in var.deploy_public_keys : can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]{60,}={0,2}( [^\n]*)?$", trimspace(k)))])
    error_message = "Variable 'deploy_public_keys' must hold OpenSSH public key lines (ssh-ed25519 AAAA...), one per element."
  }
}

variable "keep_root_login" {
  description = "Let root keep logging in with its key after the bootstrap (setup-vps.sh --keep-root-login): infra/ansible converges as root. Set false when only setup-vps.sh and CD manage the host."
  type        = bool
  default     = true
}

variable "host_key_file" {
  description = "Path of the server's ed25519 SSH host key (private, OpenSSH format; made with ssh-keygen -t ed25519 -N ''). Its public half must be at <path>.pub. Read at plan time and handed to cloud-init, so the known_hosts line is known before the server exists; it never enters the state (user_data is stored as a hash)."
  type        = string

  validation {
    condition     = fileexists(pathexpand(var.host_key_file)) && fileexists("${pathexpand(var.host_key_file)}.pub")
    error_message = "Variable 'host_key_file' must name an existing private key file with its public key next to it (<path>.pub). Create both with: ssh-keygen -t ed25519 -N '' -C slipway-host -f <path>."
  }

  validation {
    condition = (
      startswith(try(file(pathexpand(var.host_key_file)), ""), "-----BEGIN OPENSSH PRIVATE KEY-----") &&
      startswith(try(file("${pathexpand(var.host_key_file)}.pub"), ""), "ssh-ed25519 ")
    )
    error_message = "Variable 'host_key_file' must be an unencrypted ed25519 key in OpenSSH format, with an ssh-ed25519 public key at <path>.pub (ssh-keygen -t ed25519 -N '' -f <path>)."
  }
}

variable "dns_zone" {
  description = "DNS zone in this Hetzner project that carries the service's names, e.g. example.com."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.dns_zone))
    error_message = "Variable 'dns_zone' must be a lower-case domain name such as example.com (no trailing dot)."
  }
}

variable "create_dns_zone" {
  description = "Create the zone as a primary zone in this project. Leave false when the zone already exists in the project; when true, point the registrar at the dns_nameservers output."
  type        = bool
  default     = false
}

variable "dns_names" {
  description = "Names in the zone that point at the server (A and AAAA records); \"@\" is the zone apex. The first one is the service's public name (PRODUCTION_URL)."
  type        = list(string)
  default     = ["@"]

  validation {
    condition     = length(var.dns_names) > 0 && length(distinct(var.dns_names)) == length(var.dns_names)
    error_message = "Variable 'dns_names' must list at least one name, without duplicates."
  }

  validation {
    condition     = alltrue([for n in var.dns_names : can(regex("^(@|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$", n))])
    error_message = "Variable 'dns_names' must hold \"@\" or names relative to the zone (\"app\", \"api.eu\"), lower-case, without the zone and without a trailing dot."
  }
}

variable "dns_ttl" {
  description = "TTL in seconds of the service's A and AAAA records."
  type        = number
  default     = 300

  validation {
    condition     = var.dns_ttl >= 60 && var.dns_ttl <= 86400 && floor(var.dns_ttl) == var.dns_ttl
    error_message = "Variable 'dns_ttl' must be a whole number of seconds between 60 and 86400."
  }
}

variable "bootstrap_skip" {
  description = "Steps of infra/scripts/setup-vps.sh to skip at first boot (each passed as --skip <step>); the script rejects unknown steps."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.bootstrap_skip : can(regex("^[a-z][a-z0-9-]*$", s))])
    error_message = "Variable 'bootstrap_skip' must hold step names of setup-vps.sh (lower-case letters, digits and '-')."
  }
}

variable "backups" {
  description = "Enable Hetzner's daily server backups (20% of the server price). Database backups are separate (issue 9)."
  type        = bool
  default     = false
}

variable "delete_protection" {
  description = "Protect the primary IPs (and the zone, when created here) from deletion. The server stays replaceable; its addresses, and so its DNS records and known_hosts line, survive a rebuild."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Extra labels on every resource that takes labels."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for k, v in var.labels :
      can(regex("^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$", k)) &&
      can(regex("^([a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?)?$", v))
    ])
    error_message = "Variable 'labels' must use keys and values of at most 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit."
  }
}
