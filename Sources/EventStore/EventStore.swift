// EventStore module (see docs/architecture.md)
