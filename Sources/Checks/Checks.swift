// Checks module (see docs/architecture.md)
