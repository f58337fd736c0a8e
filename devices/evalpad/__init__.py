"""Evaluation pads (好差评评价器): the visitor rates the service at the window.

`rating` is the interface (EvaluationPad, Rating, the five levels); two protocols implement it: HallBus/1
keypad raters on a serial/RS-485 line (`keypad`, `keypad_commands`, `keypad_sim`) and EvalPad/1 tablets on TCP
(`jsonwire`, `jsonpad`, `jsonpad_sim`).
"""
