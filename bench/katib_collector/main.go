// Katib's text-format collector loop (parseLogsInTextFormat in
// pkg/metricscollector/v1beta1/file-metricscollector), minus protobuf and
// logging, timed over a file: the Go baseline of bench/metrics.md.
//
//	go run ./bench/katib_collector FILE
package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

type metricLog struct{ timestamp, name, value string }

func main() {
	content, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	metrics := []string{"accuracy", "loss"}
	start := time.Now()
	re := regexp.MustCompile(`([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)`)
	lines := strings.Split(string(content), "\n")
	logs := make([]metricLog, 0, len(lines))
	for _, line := range lines {
		wanted := false
		for _, m := range metrics {
			if strings.Contains(line, m) {
				wanted = true
				break
			}
		}
		if !wanted {
			continue
		}
		timestamp := time.Time{}.UTC().Format(time.RFC3339)
		if ls := strings.SplitN(line, " ", 2); len(ls) == 2 {
			if _, err := time.Parse(time.RFC3339Nano, ls[0]); err == nil {
				timestamp = ls[0]
			}
		}
		for _, kv := range re.FindAllStringSubmatch(line, -1) {
			name := strings.TrimSpace(kv[1])
			for _, m := range metrics {
				if name == m {
					logs = append(logs, metricLog{timestamp, name, strings.TrimSpace(kv[2])})
					break
				}
			}
		}
	}
	seconds := time.Since(start).Seconds()
	fmt.Printf("go-regexp %7.1f MB/s %6.2f M lines/s %9d records in %.3f s\n",
		float64(len(content))/seconds/1e6, float64(len(lines))/seconds/1e6, len(logs), seconds)
}
