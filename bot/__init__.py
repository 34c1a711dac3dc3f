"""careerbot: a Telegram career adviser for NHS primary care managers."""
