package main

import (
	"io"
	"log/slog"
)

// parseLogLevel parses debug, info, warn or error.
func parseLogLevel(s string) (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(s)); err != nil {
		return level, usageErrorf("invalid --log-level %q: use debug, info, warn or error", s)
	}
	return level, nil
}

// newLogger returns a text or JSON logger writing to w at the given level.
func newLogger(w io.Writer, format, levelName string) (*slog.Logger, error) {
	level, err := parseLogLevel(levelName)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if format == formatJSON {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
