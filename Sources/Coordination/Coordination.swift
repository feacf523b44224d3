// Coordination module (see docs/architecture.md)
