#!/usr/bin/env bash
# Prints the sshd_config of one sandbox host.
# Usage: sshd-config.sh LISTEN_ADDRESS SUDO_USER
set -euo pipefail

cat <<CONF
# sshd of one runbook sandbox host.
ListenAddress $1
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
UsePAM no
UseDNS no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
AllowUsers root $2
PrintMotd no
PrintLastLog no
# Runbook engines open many connections and channels at once.
MaxStartups 200:30:400
MaxSessions 100
# The default list minus the post-quantum sntrup761 exchange, which costs
# ~70 ms of CPU per login here; tests log in thousands of times.
KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
CONF
