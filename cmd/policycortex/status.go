package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/api"
	"github.com/policycortex/policycortex/store"
)

func newStatusCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	var client clientOptions
	var output string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the daemon's active commit, last rejection, Git fetch state and run counts",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetchAndShow(cmd, client, output, "/v1/status", printStatus)
		},
	}
	addClientFlags(cmd, &client, lookupEnv)
	addOutputFlag(cmd, &output)
	return cmd
}

func printStatus(w io.Writer, s api.StatusResponse) error {
	if a := s.Active; a != nil {
		fmt.Fprintf(w, "active:      commit %s on %s (snapshot %d), %s, activated %s\n",
			a.Commit, orDash(a.Branch), a.SnapshotID, plural(a.Workflows, "workflow"), formatTime(a.ActivatedAt))
	} else {
		fmt.Fprintln(w, "active:      none (no commit has been activated yet)")
	}
	printRejection(w, s.LastRejection)
	printReconciler(w, s)
	fmt.Fprintf(w, "runs:        %d%s\n", totalRuns(s.Runs), statusCounts(s.Runs))
	printLastDiff(w, s.History)
	if len(s.History) > 0 {
		fmt.Fprintln(w, "\nreconcile history (newest first):")
		table := newTable(w)
		fmt.Fprintln(table, "  AT\tCOMMIT\tOUTCOME\tDETAIL")
		for _, rec := range s.History {
			fmt.Fprintf(table, "  %s\t%s\t%s\t%s\n", formatTime(rec.At), shortCommit(rec.Commit), rec.Outcome, historyDetail(rec))
		}
		return table.Flush()
	}
	return nil
}

// maxDiffLines bounds the diff entries status prints; the JSON output has
// them all.
const maxDiffLines = 20

// printLastDiff lists what the newest activation added, changed or removed.
func printLastDiff(w io.Writer, history []store.ReconcileRecord) {
	for _, rec := range history {
		if rec.Outcome != store.OutcomeActivated {
			continue
		}
		fmt.Fprintf(w, "\nlast activation (commit %s):\n", shortCommit(rec.Commit))
		for i, d := range rec.Diff {
			if i == maxDiffLines {
				fmt.Fprintf(w, "  ... %d more\n", len(rec.Diff)-maxDiffLines)
				break
			}
			fmt.Fprintf(w, "  %-8s %s %s\n", d.Change, d.Workflow, diffVersions(d))
			if d.Warning != "" {
				fmt.Fprintf(w, "           warning: %s\n", d.Warning)
			}
		}
		return
	}
}

func diffVersions(d store.DiffEntry) string {
	switch d.Change {
	case store.ChangeAdded:
		return "version " + orDash(d.NewVersion)
	case store.ChangeRemoved:
		return "version " + orDash(d.OldVersion)
	default:
		return fmt.Sprintf("version %s -> %s", orDash(d.OldVersion), orDash(d.NewVersion))
	}
}

func printRejection(w io.Writer, r *api.Rejection) {
	if r == nil {
		fmt.Fprintln(w, "rejected:    none")
		return
	}
	note := ""
	if r.Superseded {
		note = ", since superseded by a later activation"
	}
	fmt.Fprintf(w, "rejected:    commit %s at %s, %s%s\n", r.Commit, formatTime(r.At), plural(len(r.Problems), "problem"), note)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  %s:%d:%d: %s\n", p.File, p.Line, p.Col, p.Message)
	}
}

func printReconciler(w io.Writer, s api.StatusResponse) {
	rec := s.Reconciler
	fmt.Fprintf(w, "repository:  %s (branch %s), head %s\n", orDash(rec.Repo), orDash(rec.Branch), shortCommit(rec.Head))
	fetch := "ok"
	switch {
	case rec.LastFetchAt.IsZero():
		fetch = "not fetched yet"
	case rec.LastFetchError != "":
		fetch = "failed: " + rec.LastFetchError
	case rec.LastError != "":
		fetch = "ok, but the pass failed: " + rec.LastError
	}
	fmt.Fprintf(w, "last fetch:  %s %s\n", formatTime(rec.LastFetchAt), fetch)
	if rec.ConsecutiveFailures > 0 {
		fmt.Fprintf(w, "failures:    %d in a row, next attempt %s\n", rec.ConsecutiveFailures, formatTime(rec.NextAttemptAt))
	}
}

func historyDetail(rec store.ReconcileRecord) string {
	if rec.Outcome == store.OutcomeRejected {
		if len(rec.Problems) == 0 {
			return "-"
		}
		p := rec.Problems[0]
		more := ""
		if len(rec.Problems) > 1 {
			more = fmt.Sprintf(" (+%d more)", len(rec.Problems)-1)
		}
		return truncate(fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Message), 100) + more
	}
	counts := map[store.Change]int{}
	for _, d := range rec.Diff {
		counts[d.Change]++
	}
	return fmt.Sprintf("snapshot %d: %d added, %d changed, %d removed", rec.SnapshotID,
		counts[store.ChangeAdded], counts[store.ChangeChanged], counts[store.ChangeRemoved])
}

func totalRuns(counts map[store.RunStatus]int) int {
	total := 0
	for _, n := range counts {
		total += n
	}
	return total
}
