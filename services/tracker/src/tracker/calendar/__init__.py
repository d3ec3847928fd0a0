"""The per-user ICS feed of interviews and open tasks at a secret, rotatable URL."""
