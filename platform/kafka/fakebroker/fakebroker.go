// Package fakebroker starts franz-go's in-process broker (kfake) with a guard
// that gives its classic consumer groups two liveness rules of Apache Kafka
// that kfake lacks. Without them a group stalls after a member is killed:
//
//   - Kafka keeps a member alive while its JoinGroup or SyncGroup waits for
//     the rest of the group. kfake lets the session timer run on, and when it
//     fires it drops the member without answering the waiting request: the
//     client hangs until its read deadline (the rebalance timeout plus the
//     request overhead, 70 s with franz-go's defaults) and only then rejoins.
//   - Kafka starts every member's session timer when a rebalance completes.
//     kfake starts it only if the JoinGroup answer could be queued on a live
//     connection, so a new member killed while its first JoinGroup waited
//     stays in the group with no timer: its partitions are consumed by nobody
//     and every later rebalance waits the whole rebalance timeout for it
//     (which each rejoin restarts, so with two other members it can wait for
//     ever).
//
// For the first, the guard watches JoinGroup and SyncGroup requests through
// kfake's control functions, polls the groups' state, and heartbeats for a
// member whose request waits. For the second, the listeners hide a client's
// disconnection from kfake until kfake writes to the connection (which fails
// then) or a long bound passed, as Kafka itself cannot see a client go while
// its request waits: the answer is queued, and the member's timer starts.
package fakebroker

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ListenFunc opens a broker's listener; kfake passes 127.0.0.1 and the port.
type ListenFunc func(network, address string) (net.Listener, error)

// Start starts a kfake cluster with opts and its group guard. listen opens
// the listeners (nil: net.Listen); opts must not hold kfake.ListenFn. The
// guard ends when the cluster is closed. log (nil: none) gets a line for
// every member the guard keeps alive through a rebalance.
func Start(listen ListenFunc, log *slog.Logger, opts ...kfake.Opt) (*kfake.Cluster, error) {
	if listen == nil {
		listen = net.Listen
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &guard{log: log, members: map[memberKey]*member{}, tick: time.Second,
		wake: make(chan struct{}, 1), closed: make(chan struct{})}
	c, err := kfake.NewCluster(append(opts, kfake.ListenFn(g.listen(listen)))...)
	if err != nil {
		return nil, err
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		c.Close()
		return nil, err
	}
	for _, key := range []kmsg.Key{kmsg.JoinGroup, kmsg.SyncGroup, kmsg.LeaveGroup} {
		c.ControlKey(key.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
			g.observe(req)
			return nil, nil, false
		})
	}
	go g.run(client)
	return c, nil
}

type memberKey struct{ group, id string }

type member struct {
	instanceID *string
	session    time.Duration
	// gen is the generation of the member's latest SyncGroup, -1 before
	// its first one: the only generation a heartbeat for it can carry.
	gen int32
	// req is the member's latest JoinGroup or SyncGroup, seen at at;
	// answered is set once the guard saw the group move past it.
	req      kmsg.Key
	at       time.Time
	answered bool
	// kept counts the heartbeats the guard sent for the waiting request.
	kept int
}

type guard struct {
	log     *slog.Logger
	mu      sync.Mutex
	members map[memberKey]*member
	// tick is the time between checks: short against the shortest session
	// timeout seen, so a waiting member is heartbeaten several times before
	// its timer could fire. wake cuts the current wait when it shrinks.
	tick time.Duration
	wake chan struct{}
	// closed ends the guard: the cluster closes its listeners first thing
	// in Close.
	closeOnce sync.Once
	closed    chan struct{}
}

// observe runs while kfake's loop waits, before kfake handles req, so a
// request the guard sends after observe returned is handled after req.
func (g *guard) observe(req kmsg.Request) {
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	switch r := req.(type) {
	case *kmsg.JoinGroupRequest:
		if r.MemberID == "" {
			return // the broker answers at once with the member's id
		}
		m := g.member(r.Group, r.MemberID)
		m.instanceID, m.session = r.InstanceID, time.Duration(r.SessionTimeoutMillis)*time.Millisecond
		m.req, m.at, m.answered, m.kept = kmsg.JoinGroup, now, false, 0
		if tick := max(m.session/5, 50*time.Millisecond); tick < g.tick {
			g.tick = tick
			select {
			case g.wake <- struct{}{}:
			default:
			}
		}
	case *kmsg.SyncGroupRequest:
		m := g.member(r.Group, r.MemberID)
		m.gen = r.Generation
		m.req, m.at, m.answered, m.kept = kmsg.SyncGroup, now, false, 0
	case *kmsg.LeaveGroupRequest:
		delete(g.members, memberKey{r.Group, r.MemberID})
		for _, lm := range r.Members {
			delete(g.members, memberKey{r.Group, lm.MemberID})
		}
	}
}

func (g *guard) member(group, id string) *member {
	k := memberKey{group, id}
	m, ok := g.members[k]
	if !ok {
		m = &member{gen: -1}
		g.members[k] = m
	}
	return m
}

// run checks the groups every tick until the cluster closes.
func (g *guard) run(client *kgo.Client) {
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-g.closed
		cancel()
	}()
	for {
		g.mu.Lock()
		tick := g.tick
		g.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-g.wake:
		case <-time.After(tick):
		}
		g.check(ctx, client)
	}
}

// check reads the state of every group the guard knows members of and
// heartbeats for each member whose latest request still waits. Only
// requests kfake handled before the read count. No request is sent under
// g.mu: kfake's loop waits for observe, which takes it.
func (g *guard) check(ctx context.Context, client *kgo.Client) {
	read := time.Now()
	g.mu.Lock()
	waiting := map[memberKey]member{}
	groupSet := map[string]bool{}
	for k, m := range g.members {
		if !m.answered && m.at.Before(read) {
			waiting[k] = *m
			groupSet[k.group] = true
		}
	}
	g.mu.Unlock()
	if len(groupSet) == 0 {
		return
	}
	req := kmsg.NewPtrDescribeGroupsRequest()
	for name := range groupSet {
		req.Groups = append(req.Groups, name)
	}
	resp, err := req.RequestWith(ctx, client)
	if err != nil {
		return // the cluster is closing, or busy: the next tick tries again
	}
	states := map[string]string{}
	listed := map[memberKey]bool{}
	for _, dg := range resp.Groups {
		if dg.ErrorCode == 0 {
			states[dg.Group] = dg.State
			for _, dm := range dg.Members {
				listed[memberKey{dg.Group, dm.MemberID}] = true
			}
		}
	}
	g.forget(states, listed, read)
	for k, m := range waiting {
		state, ok := states[k.group]
		if !ok || !listed[k] {
			continue
		}
		var still int16 // the heartbeat answer while m's request waits
		switch {
		case m.req == kmsg.JoinGroup && state == "PreparingRebalance":
			if m.gen < 0 {
				continue // a new member: kfake runs no timer for it yet
			}
			// kfake answers RebalanceInProgress only while the
			// generation of m's last SyncGroup is current, that is
			// while no rebalance completed since m joined.
			still = kerr.RebalanceInProgress.Code
		case m.req == kmsg.SyncGroup && state == "CompletingRebalance":
			// The generation of m's SyncGroup is current: the leader's
			// assignment has not arrived.
			still = 0
		default:
			g.answered(k, m, false)
			continue
		}
		switch code := heartbeat(ctx, client, k, m); code {
		case still:
			g.kept(k, m)
		case -1:
			// Not sent: the next tick tries again.
		default:
			g.answered(k, m, code == kerr.UnknownMemberID.Code)
		}
	}
}

// forget drops the members kfake no longer lists in the groups it described,
// so the guard holds only what kfake holds.
func (g *guard) forget(described map[string]string, listed map[memberKey]bool, read time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, m := range g.members {
		if _, ok := described[k.group]; ok && !listed[k] && m.at.Before(read) {
			delete(g.members, k)
		}
	}
}

// kept counts a heartbeat for k's waiting request and logs the first: a
// member waiting longer than a tick is worth a line in a fault test.
func (g *guard) kept(k memberKey, seen member) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if m, ok := g.members[k]; ok && m.at.Equal(seen.at) {
		m.kept++
		if m.kept == 1 {
			g.log.Info("kfake guard: keeping a waiting group member alive", "group", k.group, "member", k.id, "request", m.req.Name())
		}
	}
}

// answered records that k's request no longer waits, or that kfake removed
// k, unless k sent a new request meanwhile.
func (g *guard) answered(k memberKey, seen member, gone bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m, ok := g.members[k]
	if !ok || !m.at.Equal(seen.at) {
		return
	}
	if gone {
		delete(g.members, k)
		return
	}
	m.answered = true
}

// heartbeat restarts kfake's session timer of m, as m's own heartbeat would
// if its client were not waiting for an answer; it returns the error code.
func heartbeat(ctx context.Context, client *kgo.Client, k memberKey, m member) int16 {
	req := kmsg.NewPtrHeartbeatRequest()
	req.Group, req.MemberID, req.Generation, req.InstanceID = k.group, k.id, m.gen, m.instanceID
	resp, err := req.RequestWith(ctx, client)
	if err != nil {
		return -1
	}
	return resp.ErrorCode
}
