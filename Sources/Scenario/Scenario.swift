// Scenario module (see docs/architecture.md)
