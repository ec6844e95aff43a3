"""Binary document formats (PDF, Word, PowerPoint), each parsed by a well-kept library into titled sections."""
