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
 * printed in the input's order. A walk reads its zone from a table of the
 * zone's transitions that Go itself reports (see tabled), not from the
 * zoneinfo file's TZ rule, which Go evaluates anew on each reading of the time
 * of day past the file's last transition (2037): the same zone at every
 * instant, a third of the time.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';

export const CRON_ORACLE = {
  name: 'cron-gaps',
  imports: ['github.com/robfig/cron'],
  source: `package main

import (
	"bufio"
	"encoding/binary"
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


// The instants the walks read zones at: from a year before the first run to
// past the five years robfig/cron searches beyond the last one.
var (
	tableFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tableTo   = time.Date(2027+28+5+2, 1, 1, 0, 0, 0, 0, time.UTC)
)

var (
	tablesMu sync.Mutex
	tables   = map[string]*table{}
)

type table struct {
	once sync.Once
	loc  *time.Location
	err  error
}

// tabled returns loc with its zones from tableFrom to tableTo as explicit
// transitions. Past a zoneinfo file's last transition (2037 at the latest),
// Go evaluates the file's TZ rule on every call that reads the time of day;
// from a table it finds the zone by a binary search. The two agree on the
// UTC offset, abbreviation and daylight-saving flag at every instant of the
// range (the periods are Go's own, read with ZoneBounds), which is all
// robfig/cron reads of a zone; checkTable confirms it.
func tabled(loc *time.Location) (*time.Location, error) {
	tablesMu.Lock()
	t, ok := tables[loc.String()]
	if !ok {
		t = &table{}
		tables[loc.String()] = t
	}
	tablesMu.Unlock()
	t.once.Do(func() { t.loc, t.err = buildTable(loc) })
	return t.loc, t.err
}

type period struct {
	at     int64
	name   string
	offset int
	dst    bool
}

func periodAt(t time.Time) period {
	name, offset := t.Zone()
	return period{t.Unix(), name, offset, t.IsDST()}
}

func buildTable(loc *time.Location) (*time.Location, error) {
	var periods []period
	for t := tableFrom.In(loc); t.Before(tableTo); {
		p := periodAt(t)
		if n := len(periods); n == 0 || periods[n-1].name != p.name || periods[n-1].offset != p.offset || periods[n-1].dst != p.dst {
			periods = append(periods, p)
		}
		_, end := t.ZoneBounds()
		if end.IsZero() {
			break
		}
		if !end.After(t) {
			// Go's rule evaluation ends a leap year's last period at 365 days
			// from the year's start: that period lasts to the next UTC year.
			end = time.Date(t.UTC().Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		t = end.In(loc)
	}
	// TZif version 2 (RFC 8536): an empty version 1 part, then 64-bit transitions.
	var types []period
	index := make([]byte, len(periods))
	var names []byte
	nameAt := map[string]int{}
	for i, p := range periods {
		k := -1
		for j, q := range types {
			if q.name == p.name && q.offset == p.offset && q.dst == p.dst {
				k = j
			}
		}
		if k < 0 {
			k = len(types)
			types = append(types, p)
		}
		if _, ok := nameAt[p.name]; !ok {
			nameAt[p.name] = len(names)
			names = append(append(names, p.name...), 0)
		}
		index[i] = byte(k)
	}
	if len(types) > 255 {
		return nil, fmt.Errorf("%d zone types", len(types))
	}
	header := func(times, types, chars int) []byte {
		h := append([]byte("TZif2"), make([]byte, 15)...)
		for _, n := range []int{0, 0, 0, times, types, chars} {
			h = binary.BigEndian.AppendUint32(h, uint32(n))
		}
		return h
	}
	data := append(header(0, 1, 1), make([]byte, 6+1)...)
	data = append(data, header(len(periods), len(types), len(names))...)
	for _, p := range periods {
		data = binary.BigEndian.AppendUint64(data, uint64(p.at))
	}
	data = append(data, index...)
	for _, p := range types {
		data = binary.BigEndian.AppendUint32(data, uint32(int32(p.offset)))
		dst := byte(0)
		if p.dst {
			dst = 1
		}
		data = append(data, dst, byte(nameAt[p.name]))
	}
	data = append(append(data, names...), '\\n', '\\n')
	table, err := time.LoadLocationFromTZData(loc.String(), data)
	if err != nil {
		return nil, err
	}
	if err := checkTable(loc, table, periods); err != nil {
		return nil, err
	}
	return table, nil
}

// checkTable compares the zones of both at each period's first and last
// second, and every 25 hours over the range (each hour of the day in turn).
func checkTable(loc, table *time.Location, periods []period) error {
	check := func(t time.Time) error {
		if a, b := periodAt(t.In(loc)), periodAt(t.In(table)); a != b {
			return fmt.Errorf("%s at %v: %v in Go, %v in the table", loc, t.UTC(), a, b)
		}
		return nil
	}
	for _, p := range periods {
		for _, sec := range []int64{p.at - 1, p.at} {
			if t := time.Unix(sec, 0); !t.Before(tableFrom) {
				if err := check(t); err != nil {
					return err
				}
			}
		}
	}
	for t := tableFrom; t.Before(tableTo); t = t.Add(25 * time.Hour) {
		if err := check(t); err != nil {
			return err
		}
	}
	return nil
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
	if spec, ok := s.(*cron.SpecSchedule); ok && spec.Location != time.Local && spec.Location != time.UTC && years <= 28 {
		if spec.Location, err = tabled(spec.Location); err != nil {
			return fmt.Sprintf("error %v\\n", err)
		}
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
