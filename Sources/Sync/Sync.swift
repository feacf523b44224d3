// Sync module (see docs/architecture.md)
