package sandbox

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/policycortex/policycortex/expr"
)

// memoryLimitEnv is the environment variable that passes the memory limit
// in bytes to the child. It is read before the request, because the limit
// must be in force before the child allocates for the request.
const memoryLimitEnv = "POLICYCORTEX_SCRIPT_MEMORY_LIMIT"

// request is the message the parent writes to the child's stdin.
type request struct {
	Source   string            `json:"source"`
	Input    *expr.ScriptInput `json:"input"`
	MaxSteps uint64            `json:"max_steps"`
	// TimeoutMillis is the script's own time limit. The parent kills the
	// child at the same limit, measured from an earlier start.
	TimeoutMillis int64 `json:"timeout_ms"`
}

func (r *request) timeout() time.Duration {
	return time.Duration(r.TimeoutMillis) * time.Millisecond
}

// reply is the message the child writes to its stdout: Output, or Error.
type reply struct {
	Output any         `json:"output"`
	Prints []string    `json:"prints,omitempty"`
	Error  *replyError `json:"error,omitempty"`
}

// Stages of a replyError.
const (
	stageRequest = "request"
	stageCompile = "compile"
	stageRun     = "run"
	stageTimeout = "timeout"
)

// replyError is a script error as the child reports it.
type replyError struct {
	Stage   string `json:"stage"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
}

// encodeNumbers returns a copy of a script result in which every float64
// is a json.Number with a decimal point or an exponent, so that the parent
// can tell 2.0 from 2.
func encodeNumbers(value any) any {
	switch v := value.(type) {
	case float64:
		text := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(text, ".eE") {
			text += ".0"
		}
		return json.Number(text)
	case []any:
		out := make([]any, len(v))
		for i, elem := range v {
			out[i] = encodeNumbers(elem)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, elem := range v {
			out[k] = encodeNumbers(elem)
		}
		return out
	}
	return value
}

// decodeNumbers converts the json.Number values of a decoded result back
// into int64, or float64 when the text has a decimal point or an exponent.
func decodeNumbers(value any) (any, error) {
	switch v := value.(type) {
	case json.Number:
		if strings.ContainsAny(v.String(), ".eE") {
			f, err := v.Float64()
			if err != nil || math.IsInf(f, 0) {
				return nil, fmt.Errorf("invalid number %s in script output", v)
			}
			return f, nil
		}
		i, err := v.Int64()
		if err != nil {
			return nil, fmt.Errorf("invalid integer %s in script output", v)
		}
		return i, nil
	case []any:
		for i, elem := range v {
			converted, err := decodeNumbers(elem)
			if err != nil {
				return nil, err
			}
			v[i] = converted
		}
	case map[string]any:
		for k, elem := range v {
			converted, err := decodeNumbers(elem)
			if err != nil {
				return nil, err
			}
			v[k] = converted
		}
	}
	return value, nil
}
