"""What tests share besides fixtures: test doubles, rigs and helpers, imported by package path."""
