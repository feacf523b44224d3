// Relay module (see docs/architecture.md)
