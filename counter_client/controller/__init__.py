"""Qt-free state and behaviour of the counter app (views only render it and forward clicks)."""
