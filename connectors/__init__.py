"""Other systems' conversations and content coming in: the e-mail channel, the helpdesk agent bot, imports."""
