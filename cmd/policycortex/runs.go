package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/store"
)

func newRunsCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	return newGroupCmd("runs", "Inspect and cancel workflow runs", newRunsShowCmd(lookupEnv), newRunsCancelCmd(lookupEnv))
}

// checkRunID rejects ids that would change the request path.
func checkRunID(id string) error {
	if id == "" || id == "." || id == ".." || strings.Contains(id, "/") {
		return usageErrorf("invalid run id %q", id)
	}
	return nil
}

func newRunsCancelCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	var client clientOptions
	var output, reason string
	cmd := &cobra.Command{
		Use:   "cancel RUN_ID",
		Short: "Cancel a run that has not finished, stopping a step in flight",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkChoice("output", output, formatText, formatJSON); err != nil {
				return err
			}
			if err := checkRunID(args[0]); err != nil {
				return err
			}
			c, err := client.newClient()
			if err != nil {
				return err
			}
			body, err := json.Marshal(map[string]string{"reason": reason})
			if err != nil {
				return err
			}
			var run store.Run
			if _, err := c.do(cmd.Context(), http.MethodPost, "/v1/runs/"+args[0]+"/cancel", nil, "application/json", body, &run); err != nil {
				return err
			}
			if output == formatJSON {
				return writeJSON(cmd.OutOrStdout(), run)
			}
			return printRun(cmd.OutOrStdout(), &run)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the run is cancelled; stored as the run's error")
	addClientFlags(cmd, &client, lookupEnv)
	addOutputFlag(cmd, &output)
	return cmd
}

func newRunsShowCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	var client clientOptions
	var output string
	cmd := &cobra.Command{
		Use:   "show RUN_ID",
		Short: "Show a run with its steps and approvals",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkRunID(args[0]); err != nil {
				return err
			}
			printText := func(w io.Writer, run store.Run) error { return printRun(w, &run) }
			return fetchAndShow(cmd, client, output, "/v1/runs/"+args[0], printText)
		},
	}
	addClientFlags(cmd, &client, lookupEnv)
	addOutputFlag(cmd, &output)
	return cmd
}

// printRun prints a run header, its approval stages, a step table and then
// each step's input, output and error.
func printRun(w io.Writer, r *store.Run) error {
	fmt.Fprintf(w, "run:      %s\n", r.ID)
	fmt.Fprintf(w, "workflow: %s (version %s, commit %s)\n", r.Workflow, orDash(r.Version), shortCommit(r.Commit))
	fmt.Fprintf(w, "status:   %s\n", r.Status)
	if r.Error != "" {
		fmt.Fprintf(w, "error:    %s\n", r.Error)
	}
	fmt.Fprintf(w, "event:    seq %d\n", r.EventSeq)
	fmt.Fprintf(w, "created:  %s\n", formatTime(r.CreatedAt))
	fmt.Fprintf(w, "started:  %s\n", formatTimePtr(r.StartedAt))
	fmt.Fprintf(w, "finished: %s (duration %s)\n", formatTimePtr(r.FinishedAt), runDurationText(r))

	if len(r.Gates) > 0 {
		fmt.Fprintln(w, "\napprovals:")
		table := newTable(w)
		fmt.Fprintln(table, "  STAGE\tAPPROVERS\tSTATUS\tDEADLINE\tDECIDED\tBY")
		for _, g := range r.Gates {
			fmt.Fprintf(table, "  %s\t%s\t%s\t%s\t%s\t%s\n", g.Name, strings.Join(g.Approvers, ","), g.Status,
				formatTime(g.Deadline), formatTimePtr(g.DecidedAt), orDash(g.DecidedBy))
		}
		if err := table.Flush(); err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "\nsteps:")
	table := newTable(w)
	fmt.Fprintln(table, "  #\tSTEP\tSTATUS\tATTEMPTS\tSTARTED\tDURATION\tSTART_DELAY")
	for _, s := range r.Steps {
		fmt.Fprintf(table, "  %d\t%s\t%s\t%d\t%s\t%s\t%s\n", s.Index+1, s.Name, s.Status, s.Attempts,
			formatTimePtr(s.StartedAt), stepDurationText(s), startDelayText(s))
	}
	if err := table.Flush(); err != nil {
		return err
	}

	for _, s := range r.Steps {
		printStepData(w, s)
	}
	return nil
}

func stepDurationText(s *store.Step) string {
	if s.StartedAt == nil || s.FinishedAt == nil {
		return "-"
	}
	return formatDuration(s.FinishedAt.Sub(*s.StartedAt))
}

func startDelayText(s *store.Step) string {
	if s.StartedAt == nil {
		return "-"
	}
	text := formatDuration(s.StartDelay)
	if s.DeadlineMissed {
		text += " (max_delay missed)"
	}
	return text
}

// printStepData prints a step's rendered input, output and error, when any.
func printStepData(w io.Writer, s *store.Step) {
	if len(s.Input) == 0 && len(s.Output) == 0 && s.Error == "" {
		return
	}
	fmt.Fprintf(w, "\nstep %s:\n", s.Name)
	if len(s.Input) > 0 {
		fmt.Fprintf(w, "  input:  %s\n", compactJSON(s.Input))
	}
	if len(s.Output) > 0 {
		fmt.Fprintf(w, "  output: %s\n", compactJSON(s.Output))
	}
	if s.Error != "" {
		fmt.Fprintf(w, "  error:  %s\n", s.Error)
	}
}

// compactJSON prints raw JSON on one line, or as is when it is invalid.
func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}
