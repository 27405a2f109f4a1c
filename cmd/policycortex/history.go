package main

import (
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/api"
	"github.com/policycortex/policycortex/store"
)

// historyOptions are the flags of workflow history.
type historyOptions struct {
	client   clientOptions
	workflow string
	status   string
	limit    int
	output   string
}

// validate checks the flags and returns a usage error for a bad one.
func (o historyOptions) validate() error {
	if err := checkChoice("output", o.output, formatText, formatJSON); err != nil {
		return err
	}
	if o.status != "" && !api.ValidRunStatus(o.status) {
		return usageErrorf("invalid --status %q: use one of pending, running, waiting_approval, succeeded, failed, cancelled, timed_out", o.status)
	}
	if o.limit < 1 || o.limit > api.MaxRunsLimit {
		return usageErrorf("invalid --limit %d: use 1 to %d", o.limit, api.MaxRunsLimit)
	}
	return nil
}

func newWorkflowHistoryCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	var opts historyOptions
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List recent runs, newest first",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			c, err := opts.client.newClient()
			if err != nil {
				return err
			}
			query := url.Values{"limit": {strconv.Itoa(opts.limit)}}
			if opts.workflow != "" {
				query.Set("workflow", opts.workflow)
			}
			if opts.status != "" {
				query.Set("status", opts.status)
			}
			var list api.RunList
			if err := c.getJSON(cmd.Context(), "/v1/runs", query, &list); err != nil {
				return err
			}
			if opts.output == formatJSON {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			return printRunTable(cmd.OutOrStdout(), list.Runs)
		},
	}
	cmd.Flags().StringVar(&opts.workflow, "workflow", "", "only runs of this workflow")
	cmd.Flags().StringVar(&opts.status, "status", "", "only runs in this status: pending, running, waiting_approval, succeeded, failed, cancelled or timed_out")
	cmd.Flags().IntVar(&opts.limit, "limit", 10, fmt.Sprintf("maximum number of runs, 1 to %d", api.MaxRunsLimit))
	addClientFlags(cmd, &opts.client, lookupEnv)
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// printRunTable prints one line per run.
func printRunTable(w io.Writer, runs []*store.Run) error {
	if len(runs) == 0 {
		fmt.Fprintln(w, "no runs found")
		return nil
	}
	table := newTable(w)
	fmt.Fprintln(table, "RUN\tWORKFLOW\tVERSION\tSTATUS\tCREATED\tDURATION\tSTEPS\tERROR")
	for _, r := range runs {
		fmt.Fprintf(table, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.ID, r.Workflow, orDash(r.Version), r.Status, formatTime(r.CreatedAt),
			runDurationText(r), stepProgress(r), orDash(truncate(r.Error, 60)))
	}
	return table.Flush()
}

// runDuration is the time from a run's creation to its end, including
// queueing and approval waits. ok is false while the run is unfinished.
func runDuration(r *store.Run) (time.Duration, bool) {
	if r.FinishedAt == nil {
		return 0, false
	}
	return r.FinishedAt.Sub(r.CreatedAt), true
}

func runDurationText(r *store.Run) string {
	if d, ok := runDuration(r); ok {
		return formatDuration(d)
	}
	return "-"
}

// stepProgress returns "finished/total" steps of a run.
func stepProgress(r *store.Run) string {
	done := 0
	for _, s := range r.Steps {
		switch s.Status {
		case store.StepSucceeded, store.StepFailed, store.StepSkipped, store.StepTimedOut:
			done++
		}
	}
	return fmt.Sprintf("%d/%d", done, len(r.Steps))
}
