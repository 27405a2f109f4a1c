package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/engine"
)

func newEventsCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	return newGroupCmd("events", "Send CloudEvents to the daemon", newEventsSendCmd(lookupEnv))
}

// sentEvent is the outcome of sending one event file, for --output json.
type sentEvent struct {
	File      string   `json:"file"`
	Seq       int64    `json:"seq,omitempty"`
	Duplicate bool     `json:"duplicate"`
	Runs      []string `json:"runs"`
	Error     string   `json:"error,omitempty"`
}

func newEventsSendCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	var client clientOptions
	var output string
	cmd := &cobra.Command{
		Use:   "send FILE [FILE...]",
		Short: "POST each CloudEvent JSON file to the daemon",
		Long: `Send each file, a CloudEvents 1.0 event in structured JSON mode, to
POST /v1/events and print the event's sequence number, whether (source, id)
was already stored, and the ids of the runs it started. "-" reads standard
input. An event the daemon rejects is reported and the next file is sent;
the exit code is then 1.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkChoice("output", output, formatText, formatJSON); err != nil {
				return err
			}
			c, err := client.newClient()
			if err != nil {
				return err
			}
			return sendEvents(cmd, c, args, output)
		},
	}
	addClientFlags(cmd, &client, lookupEnv)
	addOutputFlag(cmd, &output)
	return cmd
}

// sendEvents posts the files in order. A rejected event does not stop the
// others; an unreadable file or an unreachable daemon does.
func sendEvents(cmd *cobra.Command, c *apiClient, files []string, output string) error {
	out := cmd.OutOrStdout()
	var results []sentEvent
	rejected := 0
	for _, file := range files {
		body, err := readEventFile(cmd.InOrStdin(), file)
		if err != nil {
			return err
		}
		result := sentEvent{File: file}
		_, err = c.do(cmd.Context(), http.MethodPost, "/v1/events", nil, "application/cloudevents+json", body, &result)
		if result.Runs == nil {
			result.Runs = []string{}
		}
		if err != nil {
			if exitCode(err) != exitFailure {
				return err
			}
			rejected++
			result.Error = err.Error()
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", file, err)
		} else if output == formatText {
			fmt.Fprintf(out, "%s: seq=%d duplicate=%t runs=%s\n",
				file, result.Seq, result.Duplicate, orDash(strings.Join(result.Runs, ",")))
		}
		results = append(results, result)
	}
	if output == formatJSON {
		if err := writeJSON(out, results); err != nil {
			return err
		}
	}
	if rejected > 0 {
		return failure(fmt.Errorf("%d of %d events were rejected", rejected, len(files)))
	}
	return nil
}

// readEventFile reads an event file, "-" meaning stdin, and checks its size
// before sending.
func readEventFile(stdin io.Reader, file string) ([]byte, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, engine.MaxEventSize+1))
	} else if info, statErr := os.Stat(file); statErr == nil && info.IsDir() {
		return nil, usageErrorf("%s is a directory; name the event files, such as %s", file, filepath.Join(file, "*.json"))
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, ioError(fmt.Errorf("read event %s: %w", file, err))
	}
	if len(data) > engine.MaxEventSize {
		return nil, ioError(fmt.Errorf("read event %s: larger than the daemon's limit of %d bytes", file, engine.MaxEventSize))
	}
	return data, nil
}
