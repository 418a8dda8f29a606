"""The creator console: one blueprint module per page group, and the helpers they share."""
