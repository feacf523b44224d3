// GitStore module (see docs/architecture.md)
