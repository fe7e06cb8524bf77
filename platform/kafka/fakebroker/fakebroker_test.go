package fakebroker_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/hookstream/hookstream/platform/kafka/fakebroker"
)

// The tests speak the group protocol request by request, each member on a
// client of its own, so a member can be parked, silenced or killed at an
// exact step.

const (
	group   = "g"
	session = time.Second
)

func start(t *testing.T) *kfake.Cluster {
	c, err := fakebroker.Start(nil, nil, kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

type member struct {
	t  *testing.T
	cl *kgo.Client
	id string
}

func newMember(t *testing.T, c *kfake.Cluster) *member {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &member{t: t, cl: cl}
}

func (m *member) joinReq() *kmsg.JoinGroupRequest {
	r := kmsg.NewPtrJoinGroupRequest()
	r.Group, r.MemberID, r.ProtocolType = group, m.id, "consumer"
	r.SessionTimeoutMillis = int32(session.Milliseconds())
	r.RebalanceTimeoutMillis = int32((30 * session).Milliseconds())
	p := kmsg.NewJoinGroupRequestProtocol()
	p.Name, p.Metadata = "range", []byte{0, 0, 0, 0, 0, 0, 0, 0}
	r.Protocols = append(r.Protocols, p)
	return r
}

// getID sends the first JoinGroup, which the broker answers with the
// member's id.
func (m *member) getID() {
	resp, err := m.joinReq().RequestWith(m.t.Context(), m.cl)
	if err != nil || resp.ErrorCode != kerr.MemberIDRequired.Code {
		m.t.Fatalf("first join: %v %+v", err, resp)
	}
	m.id = resp.MemberID
}

// park sends a JoinGroup the broker holds until the rebalance completes;
// the channel closes without a value if the request fails.
func (m *member) park() <-chan *kmsg.JoinGroupResponse {
	ch := make(chan *kmsg.JoinGroupResponse, 1)
	req := m.joinReq()
	go func() {
		defer close(ch)
		if resp, err := req.RequestWith(m.t.Context(), m.cl); err == nil {
			ch <- resp
		}
	}()
	return ch
}

func (m *member) sync(resp *kmsg.JoinGroupResponse) {
	r := kmsg.NewPtrSyncGroupRequest()
	r.Group, r.MemberID, r.Generation = group, m.id, resp.Generation
	r.ProtocolType, r.Protocol = kmsg.StringPtr("consumer"), resp.Protocol
	for _, jm := range resp.Members {
		a := kmsg.NewSyncGroupRequestGroupAssignment()
		a.MemberID = jm.MemberID
		r.GroupAssignment = append(r.GroupAssignment, a)
	}
	sr, err := r.RequestWith(m.t.Context(), m.cl)
	if err != nil || sr.ErrorCode != 0 {
		m.t.Fatalf("sync %s: %v %+v", m.id, err, sr)
	}
}

func (m *member) heartbeat(gen int32) int16 {
	r := kmsg.NewPtrHeartbeatRequest()
	r.Group, r.MemberID, r.Generation = group, m.id, gen
	resp, err := r.RequestWith(m.t.Context(), m.cl)
	if err != nil {
		m.t.Fatal(err)
	}
	return resp.ErrorCode
}

func describe(t *testing.T, cl *kgo.Client) kmsg.DescribeGroupsResponseGroup {
	r := kmsg.NewPtrDescribeGroupsRequest()
	r.Groups = []string{group}
	resp, err := r.RequestWith(t.Context(), cl)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Groups[0]
}

func waitState(t *testing.T, cl *kgo.Client, state string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for describe(t, cl).State != state {
		if time.Now().After(deadline) {
			t.Fatalf("group never %s", state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stable forms a group of one member, a, the leader.
func stable(t *testing.T, c *kfake.Cluster) (*member, int32) {
	a := newMember(t, c)
	a.getID()
	resp := <-a.park()
	if resp == nil {
		t.Fatal("first member's join failed")
	}
	a.sync(resp)
	return a, resp.Generation
}

// stablePair forms a group of two members, a the leader.
func stablePair(t *testing.T, c *kfake.Cluster) (a, b *member, gen int32) {
	a, gen = stable(t, c)
	b = newMember(t, c)
	b.getID()
	waitB := b.park()
	waitState(t, a.cl, "PreparingRebalance")
	if code := a.heartbeat(gen); code != kerr.RebalanceInProgress.Code {
		t.Fatalf("heartbeat during the rebalance: code %d", code)
	}
	ra, rb := <-a.park(), <-waitB
	if ra == nil || rb == nil {
		t.Fatal("a join of the pair failed")
	}
	if ra.LeaderID != a.id {
		a, b, ra, rb = b, a, rb, ra
	}
	a.sync(ra)
	b.sync(rb)
	return a, b, ra.Generation
}

// A member waiting in JoinGroup outlives its session timeout: the rebalance
// waits for a member that fell silent, and completes with the waiting one
// once the silent one's session expired.
func TestWaitingJoinOutlivesSession(t *testing.T) {
	a, b, gen := stablePair(t, start(t))
	waitA := a.park()
	waitState(t, a.cl, "PreparingRebalance")
	// b sees the rebalance and falls silent, as if killed in its revoke:
	// its session now ends after a's would.
	if code := b.heartbeat(gen); code != kerr.RebalanceInProgress.Code {
		t.Fatalf("b's heartbeat: code %d", code)
	}
	select {
	case resp := <-waitA:
		if resp == nil || resp.ErrorCode != 0 || resp.Generation <= gen || len(resp.Members) != 1 {
			t.Fatalf("a's join answered %+v, want a new generation of a alone", resp)
		}
	case <-time.After(5 * session):
		g := describe(t, a.cl)
		t.Fatalf("a's join unanswered after %v; group %s with %d members", 5*session, g.State, len(g.Members))
	}
}

// A new member killed while its first JoinGroup waits leaves the group
// within its session timeout, so its partitions move on. kfake alone keeps
// it about every other time, so the test kills a few.
func TestKilledJoinerLeaves(t *testing.T) {
	for i := range 4 {
		t.Run(fmt.Sprint(i), killedJoinerLeaves)
	}
}

func killedJoinerLeaves(t *testing.T) {
	c := start(t)
	a, gen := stable(t, c)
	b := newMember(t, c)
	b.getID()
	b.park()
	waitState(t, a.cl, "PreparingRebalance")
	b.cl.Close()
	if code := a.heartbeat(gen); code != kerr.RebalanceInProgress.Code {
		t.Fatalf("heartbeat during the rebalance: code %d", code)
	}
	resp := <-a.park()
	if resp == nil || len(resp.Members) != 2 || resp.LeaderID != a.id {
		t.Fatalf("join with the killed member: %+v, want a leading both", resp)
	}
	a.sync(resp)
	deadline := time.Now().Add(5 * session)
	for a.heartbeat(resp.Generation) != kerr.RebalanceInProgress.Code {
		if time.Now().After(deadline) {
			g := describe(t, a.cl)
			t.Fatalf("the killed member still holds its place: group %s with %d members", g.State, len(g.Members))
		}
		time.Sleep(session / 5)
	}
	resp = <-a.park()
	if resp == nil || resp.ErrorCode != 0 || len(resp.Members) != 1 {
		t.Fatalf("rejoin after the killed member left: %+v, want a alone", resp)
	}
}
