"""Live chat over WebSockets: the customer and agent consumers and what they share (docs/protocol.md)."""
