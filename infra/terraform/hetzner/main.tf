# One Debian VPS for Slipway on Hetzner Cloud: the server (bootstrapped at first boot by
# infra/scripts/setup-vps.sh through cloud-init), its primary IPs, SSH key, firewall and DNS records.
#
# The server is replaceable (`tofu apply -replace=hcloud_server.this`): its identity lives in resources that
# outlive it. The primary IPs keep the addresses (so DNS and VPS_HOST do not change) and the host key comes
# from a file (so VPS_KNOWN_HOSTS does not change).

locals {
  labels = merge(var.labels, { "app" = "slipway", "managed-by" = "tofu" })

  # The host key pair: the private half goes to cloud-init only; the public half is the known_hosts line.
  host_key_file   = pathexpand(var.host_key_file)
  host_public_key = join(" ", slice(split(" ", trimspace(file("${local.host_key_file}.pub"))), 0, 2))

  # The bootstrap runs once, at first boot, from the copy cloud-init writes; later changes to the script reach
  # the host through Ansible or a rerun over SSH, never by replacing the server (see lifecycle below).
  bootstrap_source = "${path.module}/../../scripts/setup-vps.sh"
  bootstrap_path   = "/usr/local/sbin/slipway-setup-vps"
  # No registry login at first boot: its token would have to travel in the user data. setup.yml (vaulted
  # token) or a rerun of setup-vps.sh with --registry-password-file does it (docs/INFRA.md).
  bootstrap_command = concat(
    ["bash", local.bootstrap_path],
    flatten([for key in var.deploy_public_keys : ["--deploy-key", trimspace(key)]]),
    var.keep_root_login ? ["--keep-root-login"] : [],
    flatten([for step in var.bootstrap_skip : ["--skip", step]]),
  )

  # cloud-config (https://cloudinit.readthedocs.io): with ssh_keys set, cloud-init installs exactly this host
  # key and generates none. runcmd entries given as lists are executed without a shell.
  user_data = join("\n", ["#cloud-config", yamlencode({
    ssh_pwauth = false
    ssh_keys = {
      ed25519_private = file(local.host_key_file)
      ed25519_public  = local.host_public_key
    }
    write_files = [{
      path        = local.bootstrap_path
      owner       = "root:root"
      permissions = "0700"
      encoding    = "b64"
      content     = filebase64(local.bootstrap_source)
    }]
    runcmd = [local.bootstrap_command]
  })])

  fqdns        = [for n in var.dns_names : n == "@" ? var.dns_zone : "${n}.${var.dns_zone}"]
  ipv4_address = hcloud_primary_ip.ipv4.ip_address
  ipv6_address = cidrhost(hcloud_primary_ip.ipv6.ip_network, 1)
  # One line for every name the server is reached by, so VPS_HOST may be any of them.
  known_hosts = "${join(",", concat(local.fqdns, [local.ipv4_address, local.ipv6_address]))} ${local.host_public_key}"
  zone        = var.create_dns_zone ? hcloud_zone.this[0].name : var.dns_zone
  dns_records = merge([
    for n in var.dns_names : {
      "${n} A"    = { name = n, type = "A", value = local.ipv4_address }
      "${n} AAAA" = { name = n, type = "AAAA", value = local.ipv6_address }
    }
  ]...)

  anywhere = ["0.0.0.0/0", "::/0"]
  firewall_rules = [
    { description = "SSH from the admin networks", protocol = "tcp", port = "22", source_ips = var.admin_cidrs },
    { description = "HTTP (Caddy; redirects to HTTPS)", protocol = "tcp", port = "80", source_ips = local.anywhere },
    { description = "HTTPS (Caddy)", protocol = "tcp", port = "443", source_ips = local.anywhere },
    { description = "ICMP (path MTU discovery, ping)", protocol = "icmp", port = null, source_ips = local.anywhere },
  ]
}

resource "hcloud_ssh_key" "admin" {
  name       = "${var.name}-admin"
  public_key = trimspace(var.admin_ssh_public_key)
  labels     = local.labels
}

resource "hcloud_firewall" "this" {
  name   = var.name
  labels = local.labels

  dynamic "rule" {
    for_each = local.firewall_rules
    content {
      description = rule.value.description
      direction   = "in"
      protocol    = rule.value.protocol
      port        = rule.value.port
      source_ips  = rule.value.source_ips
    }
  }
}

resource "hcloud_primary_ip" "ipv4" {
  name              = "${var.name}-ipv4"
  type              = "ipv4"
  location          = var.location
  assignee_type     = "server"
  auto_delete       = false
  delete_protection = var.delete_protection
  labels            = local.labels
}

resource "hcloud_primary_ip" "ipv6" {
  name              = "${var.name}-ipv6"
  type              = "ipv6"
  location          = var.location
  assignee_type     = "server"
  auto_delete       = false
  delete_protection = var.delete_protection
  labels            = local.labels
}

resource "hcloud_server" "this" {
  name         = var.name
  image        = var.image
  server_type  = var.server_type
  location     = var.location
  ssh_keys     = [hcloud_ssh_key.admin.id]
  firewall_ids = [hcloud_firewall.this.id]
  user_data    = local.user_data
  backups      = var.backups
  labels       = local.labels

  # A rebuild stops the server cleanly first: Docker stops the release and PostgreSQL flushes.
  shutdown_before_deletion = true

  public_net {
    ipv4_enabled = true
    ipv4         = hcloud_primary_ip.ipv4.id
    ipv6_enabled = true
    ipv6         = hcloud_primary_ip.ipv6.id
  }

  lifecycle {
    # user_data and ssh_keys only matter at creation; a change to either would otherwise replace the
    # production server. Rebuilding on purpose picks up the current values.
    ignore_changes = [user_data, ssh_keys]
  }
}

resource "hcloud_zone" "this" {
  count = var.create_dns_zone ? 1 : 0

  name              = var.dns_zone
  mode              = "primary"
  delete_protection = var.delete_protection
  labels            = local.labels
}

resource "hcloud_zone_rrset" "service" {
  for_each = local.dns_records

  zone    = local.zone
  name    = each.value.name
  type    = each.value.type
  ttl     = var.dns_ttl
  records = [{ value = each.value.value }]
  labels  = local.labels
}
