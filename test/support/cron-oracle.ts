/**
 * The CronJob controller's own schedule semantics as an oracle: robfig/cron v3
 * (the controller's parser), given `TZ=<spec.timeZone> <schedule>` as the
 * controller formats a schedule with a time zone, walked run by run with Go's
 * time package and the system's zoneinfo. Each input line is
 * `ZONE<TAB>YEARS<TAB>SCHEDULE` (ZONE `-` for none); each output line the
 * longest time in seconds between two consecutive runs from 2027-01-01 over
 * YEARS years, and the number of runs. A line `shifts<TAB>ZONE` prints the
 * zone's UTC offset changes in those 28 years instead: `FROM TO WALL-MINUTE`
 * per change (offsets in minutes, the wall-clock minute of the day before it).
 * The lines are answered on every core at once (each walk stands alone), and
 * printed in the input's order.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';

export const CRON_ORACLE = {
  name: 'cron-gaps',
  imports: ['github.com/robfig/cron'],
  source: `package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron"
)

var start = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

func shifts(out *bufio.Writer, zone string) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		fmt.Fprintf(out, "error %v\\n", err)
		return
	}
	end := start.AddDate(28, 0, 0)
	_, offset := start.In(loc).Zone()
	var changes []string
	// Day by day; a day whose offset differs is searched in quarter hours (no zone shifts twice a day).
	for day := start; day.Before(end); day = day.Add(24 * time.Hour) {
		if _, o := day.Add(24 * time.Hour).In(loc).Zone(); o == offset {
			continue
		}
		for t := day.Add(15 * time.Minute); !t.After(day.Add(24 * time.Hour)); t = t.Add(15 * time.Minute) {
			if _, o := t.In(loc).Zone(); o != offset {
				before := t.Add(-15 * time.Minute).In(loc)
				// The wall clock just before the change, at the change's own instant.
				wall := (before.Hour()*60 + before.Minute() + 15) % 1440
				changes = append(changes, fmt.Sprintf("%d %d %d", offset/60, o/60, wall))
				offset = o
			}
		}
	}
	fmt.Fprintf(out, "%s\\n", strings.Join(changes, ","))
}

// answer computes one input line's output line.
func answer(line string) string {
	var out strings.Builder
	w := bufio.NewWriter(&out)
	parts := strings.SplitN(line, "\\t", 3)
	if parts[0] == "shifts" {
		shifts(w, parts[1])
		w.Flush()
		return out.String()
	}
	zone, schedule := parts[0], parts[2]
	years, _ := strconv.Atoi(parts[1])
	spec := schedule
	if zone != "-" {
		spec = fmt.Sprintf("TZ=%s %s", zone, schedule)
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return fmt.Sprintf("error %v\\n", err)
	}
	end := start.AddDate(years, 0, 0)
	previous := s.Next(start.Add(-time.Second))
	var longest time.Duration
	runs := 0
	for !previous.IsZero() && previous.Before(end) {
		next := s.Next(previous)
		if next.IsZero() {
			break
		}
		if gap := next.Sub(previous); gap > longest {
			longest = gap
		}
		previous = next
		runs++
	}
	return fmt.Sprintf("%d %d\\n", int64(longest/time.Second), runs)
}

// main answers every line, on as many goroutines as the machine has cores
// (each walk is independent), and prints the answers in the input's order.
func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1024*1024), 1024*1024)
	var lines []string
	for in.Scan() {
		lines = append(lines, in.Text())
	}
	answers := make([]string, len(lines))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				answers[i] = answer(lines[i])
			}
		}()
	}
	for i := range lines {
		next <- i
	}
	close(next)
	wg.Wait()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, a := range answers {
		out.WriteString(a)
	}
}
`,
} as const;

/** Go reads zones from ZONEINFO or the system's zoneinfo; without it, every zone is an error. */
export const ZONEINFO_PRESENT = existsSync('/usr/share/zoneinfo/Europe/Paris');

/** One question to the oracle: a schedule in a zone ('' for none) over some years. */
export interface GapQuery {
  readonly zone: string;
  readonly schedule: string;
  readonly years: number;
}

/** The longest gap in seconds of each query, in order (one oracle process for them all). */
export function oracleGaps(binary: string, queries: readonly GapQuery[]): Array<{ seconds: number; runs: number }> {
  const input = queries.map((q) => `${q.zone || '-'}\t${q.years}\t${q.schedule}`).join('\n') + '\n';
  const lines = execFileSync(binary, [], { input, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }).trim().split('\n');
  return lines.map((line, i) => {
    if (line.startsWith('error')) throw new Error(`${queries[i].schedule} in ${queries[i].zone}: ${line}`);
    const [seconds, runs] = line.split(' ').map(Number);
    return { seconds, runs };
  });
}

/** The UTC offset changes of each zone as Go sees them: `[from, to, wall minute]` in minutes. */
export function oracleShifts(binary: string, zones: readonly string[]): Array<Array<[number, number, number]>> {
  const input = zones.map((z) => `shifts\t${z}`).join('\n') + '\n';
  const lines = execFileSync(binary, [], { input, encoding: 'utf8' }).split('\n').slice(0, zones.length);
  return lines.map((line, i) => {
    if (line.startsWith('error')) throw new Error(`${zones[i]}: ${line}`);
    return line === '' ? [] : line.split(',').map((c) => c.split(' ').map(Number) as [number, number, number]);
  });
}
