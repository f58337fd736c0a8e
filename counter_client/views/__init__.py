"""Qt widgets of the counter app: they render the controller's state and forward clicks, nothing more."""
