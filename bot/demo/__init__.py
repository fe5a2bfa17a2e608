"""The local Slack stand-in and the `loopkeeper demo` walkthrough."""
