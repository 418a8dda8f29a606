"""The pledges service: accounts, campaigns, reward tiers, pledges, settlement and refunds."""
