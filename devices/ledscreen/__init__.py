"""Window LED screens (窗口屏) over HallBus/1.

`screen` is the interface, `driver` the real driver over a serial line, `simulator` a screen that keeps
what it shows, `commands` the payload layouts.
"""
