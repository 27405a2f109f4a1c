package api

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/store"
)

// MaxEventBytes is the largest request body POST /v1/events accepts; a
// larger one gets 413.
const MaxEventBytes = engine.MaxEventSize

// handleSubmitEvent ingests one CloudEvent in structured JSON mode. It
// responds 202 with the new event's sequence number and runs once they are
// durable, or 200 with the original result when (source, id) was seen
// before.
func (s *Server) handleSubmitEvent(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "the daemon is starting and has not restored the active policy snapshot yet; retry shortly")
		return
	}
	if status, msg := checkEventMode(r); status != 0 {
		writeError(w, status, msg)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxEventBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("event body is larger than the %d byte limit", MaxEventBytes))
			return
		}
		writeError(w, http.StatusBadRequest, "read event body: "+err.Error())
		return
	}

	result, err := s.cfg.Engine.Submit(r.Context(), body)
	if err != nil {
		s.submitFailed(w, r, err)
		return
	}
	if result.RunIDs == nil {
		result.RunIDs = []string{}
	}
	status := http.StatusAccepted
	if result.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, result)
}

// submitFailed maps an engine.Submit error onto a response: 400 for an
// invalid event, 503 before the first activation and while the store shuts
// down, 500 otherwise.
func (s *Server) submitFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, engine.ErrInvalidEvent):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, engine.ErrNoActiveSet):
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable,
			"no policy commit is active yet, so the event was not stored; retry it once `policycortex status` shows an active commit")
	case errors.Is(err, store.ErrClosed):
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "the daemon is shutting down; retry the event later")
	case r.Context().Err() != nil:
		s.log.Warn("event request ended before the event was stored", slog.Any("error", err))
		writeError(w, http.StatusServiceUnavailable, "request cancelled before the event was stored: "+err.Error())
	default:
		s.log.Error("ingest event failed", slog.Any("error", err))
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}

// checkEventMode accepts structured-mode CloudEvents (Content-Type
// application/cloudevents+json, application/json or none) and returns a
// status and message for the other modes.
func checkEventMode(r *http.Request) (int, string) {
	if r.Header.Get("Ce-Specversion") != "" {
		return http.StatusUnsupportedMediaType,
			"binary content mode (ce-* headers) is not supported; send the whole event as JSON with Content-Type: application/cloudevents+json"
	}
	contentType := r.Header.Get("Content-Type")
	if contentType == "" {
		return 0, ""
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return http.StatusUnsupportedMediaType, fmt.Sprintf("invalid Content-Type %q: %v", contentType, err)
	}
	switch mediaType {
	case "application/cloudevents+json", "application/json":
		return 0, ""
	case "application/cloudevents-batch+json":
		return http.StatusUnsupportedMediaType, "batched content mode is not supported; send one event per request"
	}
	return http.StatusUnsupportedMediaType,
		fmt.Sprintf("unsupported Content-Type %q; send a CloudEvent as application/cloudevents+json", mediaType)
}
