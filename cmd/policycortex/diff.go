package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/api"
	"github.com/policycortex/policycortex/reconciler"
	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// diffReport is diff's JSON output.
type diffReport struct {
	ActiveCommit string            `json:"active_commit"`
	Changes      []store.DiffEntry `json:"changes"`
	// Problems are the local repository's problems; with errors among
	// them, Changes is empty.
	Problems []lintProblem `json:"problems,omitempty"`
}

func newDiffCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	var client clientOptions
	var output, repo string
	cmd := &cobra.Command{
		Use:   "diff [--repo DIR]",
		Short: "Show what activating a local policy repository would change in the daemon",
		Long: `Load the policy repository in --repo (default: the current directory) the
way the daemon loads a commit, and compare its workflows with the daemon's
active set: workflows added, changed or removed, with their versions, and a
warning when a workflow's content changed but its version did not. A
workflow counts as changed when its file or a file it depends on changed:
an action it uses, its approval chain, the conditions files or
approvers.yaml. The files are read from disk as they are, committed or not.

Exit code 0 when the repository is valid, 1 when it has errors (printed as
file:line:col: message, as lint prints them), 2 for usage or I/O errors.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkChoice("output", output, formatText, formatJSON); err != nil {
				return err
			}
			local, problems, err := loadLocalRepository(repo)
			if err != nil {
				return err
			}
			report := diffReport{Changes: []store.DiffEntry{}, Problems: lintProblems(problems)}
			if len(problems.Errors()) > 0 || local == nil {
				return rejectedLocally(cmd, output, report, repo, problems)
			}
			printProblems(cmd, output, problems)
			c, err := client.newClient()
			if err != nil {
				return err
			}
			var active api.WorkflowList
			if err := c.getJSON(cmd.Context(), "/v1/workflows", nil, &active); err != nil {
				// Any failure to read the active set is an I/O error, not a
				// verdict on the local repository.
				return ioError(err)
			}
			report.ActiveCommit = active.Commit
			report.Changes = reconciler.DiffRecords(activeRecords(active), reconciler.WorkflowRecords(local))
			if output == formatJSON {
				return writeJSON(cmd.OutOrStdout(), report)
			}
			return printDiff(cmd.OutOrStdout(), report)
		},
	}
	cmd.Flags().StringVar(&repo, "repo", ".", "root of the local policy repository")
	addClientFlags(cmd, &client, lookupEnv)
	addOutputFlag(cmd, &output)
	return cmd
}

// loadLocalRepository reads and compiles the repository at dir.
func loadLocalRepository(dir string) (*schema.Repository, schema.Problems, error) {
	files, problems, err := schema.ReadDir(dir)
	if err != nil {
		return nil, nil, ioError(fmt.Errorf("read policy repository %s: %w", dir, err))
	}
	repo, loadProblems := schema.LoadRepository(files, schema.LoadOptions{})
	problems = append(problems, loadProblems...)
	problems.Sort()
	return repo, problems, nil
}

// rejectedLocally reports a local repository that the daemon would reject.
func rejectedLocally(cmd *cobra.Command, output string, report diffReport, dir string, problems schema.Problems) error {
	if output == formatJSON {
		if err := writeJSON(cmd.OutOrStdout(), report); err != nil {
			return err
		}
	} else {
		printProblems(cmd, output, problems)
	}
	return failure(fmt.Errorf("policy repository %s has %s; the daemon would reject it", dir, plural(len(problems.Errors()), "error")))
}

// printProblems lists problems on stderr as lint does, unless the output
// is JSON, which carries them.
func printProblems(cmd *cobra.Command, output string, problems schema.Problems) {
	if output == formatJSON {
		return
	}
	for _, p := range problems {
		fmt.Fprintln(cmd.ErrOrStderr(), p.String())
	}
}

// lintProblems converts problems to lint's JSON form.
func lintProblems(problems schema.Problems) []lintProblem {
	var out []lintProblem
	for _, p := range problems {
		out = append(out, lintProblem{File: p.Pos.File, Line: p.Pos.Line, Column: p.Pos.Col, Severity: string(severityOf(p)), Message: p.Message})
	}
	return out
}

// activeRecords converts the API's workflow list to stored records.
func activeRecords(list api.WorkflowList) []store.WorkflowRecord {
	records := make([]store.WorkflowRecord, 0, len(list.Workflows))
	for _, wf := range list.Workflows {
		records = append(records, store.WorkflowRecord{Name: wf.Name, Version: wf.Version, File: wf.File, Digest: wf.Digest})
	}
	return records
}

func printDiff(w io.Writer, report diffReport) error {
	if report.ActiveCommit == "" {
		fmt.Fprintln(w, "the daemon has no active commit; every workflow would be added")
	} else {
		fmt.Fprintf(w, "compared with active commit %s:\n", shortCommit(report.ActiveCommit))
	}
	if len(report.Changes) == 0 {
		fmt.Fprintln(w, "  no workflow changes")
		return nil
	}
	for _, d := range report.Changes {
		fmt.Fprintf(w, "  %-8s %s %s\n", d.Change, d.Workflow, diffVersions(d))
		if d.Warning != "" {
			fmt.Fprintf(w, "           warning: %s\n", d.Warning)
		}
	}
	return nil
}
