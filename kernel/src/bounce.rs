//! The bounce-buffer pool: how much of the heap the normal world's memory
//! references may occupy at once.
//!
//! A client's memref is copied into a heap buffer for the call and again
//! into page-aligned memory mapped for the TA run, so a call costs twice
//! its memrefs' size. Calls take their cost from a pool of [`CAPACITY`]
//! bytes before copying anything; when the pool is short they wait in line
//! (FIFO, so a client looping on calls cannot starve the others), each wait
//! an RPC sleep in the normal world (never a spin with interrupts masked).
//! A waiter gives up with OUT_OF_MEMORY only after [`MAX_WAITS`] sleeps in
//! a row in which no call was granted memory: a line that moves is waited
//! out however long it is (the time then depends on the calls ahead and on
//! the host's speed), a pool held by calls that never end is not. A call costing more
//! than the whole pool is refused at once. Upstream maps the client's
//! memory into the TA instead and needs no such pool; with it, 8 threads
//! each passing 2 MiB all complete (in turn) instead of failing.

use crate::sync::SpinLock;
use tee_abi::result::TeeError;

/// Bytes of heap the bounce copies of client memrefs may use at once.
pub const CAPACITY: usize = 6 << 20;
/// Most 1 ms sleeps in a row without progress (no call granted memory)
/// before a waiting call gives up (a few seconds).
pub const MAX_WAITS: u32 = 2500;
/// Calls that can wait in line (more than the thread pool has threads).
const QUEUE: usize = 16;

/// What [`Pool::try_take`] decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Take {
    /// The bytes are the caller's until it calls [`Pool::give_back`].
    Granted,
    /// No room yet: sleep and ask again with the same ticket.
    Wait,
    /// More than the pool holds.
    TooBig,
}

struct Inner {
    used: usize,
    /// Waiting tickets, oldest first (`len` of them).
    queue: [u64; QUEUE],
    len: usize,
    next_ticket: u64,
    /// Grants so far (waiters watch it for progress).
    grants: u64,
}

/// A budget of bytes with a FIFO of waiters.
pub struct Pool {
    capacity: usize,
    inner: SpinLock<Inner>,
}

impl Pool {
    /// An empty pool of `capacity` bytes.
    pub const fn new(capacity: usize) -> Pool {
        Pool { capacity, inner: SpinLock::new(Inner { used: 0, queue: [0; QUEUE], len: 0, next_ticket: 1, grants: 0 }) }
    }

    /// Asks for `bytes`. `ticket` is the caller's place in line: `None` the
    /// first time; set here when the caller has to wait.
    pub fn try_take(&self, bytes: usize, ticket: &mut Option<u64>) -> Take {
        // A call without memrefs never waits behind those with.
        if bytes == 0 {
            self.leave(ticket);
            return Take::Granted;
        }
        if bytes > self.capacity {
            self.leave(ticket);
            return Take::TooBig;
        }
        let mut inner = self.inner.lock();
        let first_in_line = match *ticket {
            None => inner.len == 0,
            Some(t) => inner.len > 0 && inner.queue[0] == t,
        };
        if first_in_line && inner.used + bytes <= self.capacity {
            if ticket.take().is_some() {
                let len = inner.len;
                inner.queue.copy_within(1..len, 0);
                inner.len -= 1;
            }
            inner.used += bytes;
            inner.grants += 1;
            return Take::Granted;
        }
        if ticket.is_none() && inner.len < QUEUE {
            let t = inner.next_ticket;
            inner.next_ticket += 1;
            let at = inner.len;
            inner.queue[at] = t;
            inner.len += 1;
            *ticket = Some(t);
        }
        Take::Wait
    }

    /// Leaves the line (a caller that stops waiting).
    pub fn leave(&self, ticket: &mut Option<u64>) {
        let Some(t) = ticket.take() else { return };
        let mut inner = self.inner.lock();
        let len = inner.len;
        if let Some(at) = inner.queue[..len].iter().position(|q| *q == t) {
            inner.queue.copy_within(at + 1..len, at);
            inner.len -= 1;
        }
    }

    /// Returns bytes granted by [`Self::try_take`].
    pub fn give_back(&self, bytes: usize) {
        let mut inner = self.inner.lock();
        inner.used = inner.used.saturating_sub(bytes);
    }

    /// How many grants of memory the pool has made (calls without memrefs
    /// not counted).
    pub fn grants(&self) -> u64 {
        self.inner.lock().grants
    }

    /// Bytes granted and not given back.
    pub fn used(&self) -> usize {
        self.inner.lock().used
    }
}

/// Bytes granted from a pool, given back when dropped.
pub struct Hold<'a> {
    pool: &'a Pool,
    bytes: usize,
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        self.pool.give_back(self.bytes);
    }
}

/// Takes `bytes` from `pool`, calling `sleep` between attempts; gives up
/// with OUT_OF_MEMORY after [`MAX_WAITS`] sleeps in a row without a grant
/// to anyone, or when `sleep` fails.
pub fn take<'a>(
    pool: &'a Pool,
    bytes: usize,
    mut sleep: impl FnMut() -> Result<(), TeeError>,
) -> Result<Hold<'a>, TeeError> {
    let mut ticket = None;
    let mut waits = 0;
    let mut grants = pool.grants();
    loop {
        match pool.try_take(bytes, &mut ticket) {
            Take::Granted => return Ok(Hold { pool, bytes }),
            Take::TooBig => break,
            Take::Wait if waits == MAX_WAITS || sleep().is_err() => break,
            Take::Wait => {
                let now = pool.grants();
                waits = if now == grants { waits + 1 } else { 0 };
                grants = now;
            }
        }
    }
    pool.leave(&mut ticket);
    Err(TeeError::OutOfMemory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_are_served_in_order_and_newcomers_queue_behind() {
        let pool = Pool::new(8);
        let (mut a, mut b, mut c) = (None, None, None);
        assert_eq!(pool.try_take(6, &mut a), Take::Granted);
        assert_eq!(pool.try_take(4, &mut b), Take::Wait);
        assert!(b.is_some());
        // Room for 2 now, but b waits first: a newcomer may not jump ahead.
        assert_eq!(pool.try_take(2, &mut c), Take::Wait);
        pool.give_back(6);
        assert_eq!(pool.try_take(2, &mut c), Take::Wait, "c is behind b");
        assert_eq!(pool.try_take(4, &mut b), Take::Granted);
        assert_eq!(pool.try_take(2, &mut c), Take::Granted);
        assert_eq!(pool.used(), 6);
        assert_eq!(pool.try_take(9, &mut None), Take::TooBig);
        assert_eq!(pool.try_take(3, &mut None), Take::Wait);
        assert_eq!(pool.try_take(0, &mut None), Take::Granted, "nothing to wait for");
    }

    #[test]
    fn a_waiter_that_gives_up_leaves_the_line() {
        let pool = Pool::new(4);
        let _first = take(&pool, 4, || Ok(())).unwrap();
        let mut sleeps = 0;
        let refused = take(&pool, 1, || {
            sleeps += 1;
            Ok(())
        });
        assert_eq!(refused.err(), Some(TeeError::OutOfMemory));
        assert_eq!(sleeps, MAX_WAITS);
        drop(_first);
        // The line is empty again: a newcomer is served at once.
        assert!(take(&pool, 4, || panic!("no wait expected")).is_ok());
        assert_eq!(pool.used(), 0, "the hold was dropped");
        assert_eq!(take(&pool, 5, || Ok(())).err(), Some(TeeError::OutOfMemory));
        assert_eq!(take(&Pool::new(1), 1, || Ok(())).map(|_| ()), Ok(()));
    }

    #[test]
    fn a_line_that_moves_is_waited_out_however_long() {
        // One call fits at a time; 15 wait ahead of us. Every 200 of our
        // sleeps the call holding the pool ends and the next in line is
        // served: 3000 sleeps in all, more than MAX_WAITS, but never
        // MAX_WAITS in a row without progress.
        let pool = Pool::new(4);
        let mut holder = Some(take(&pool, 4, || Ok(())).unwrap());
        let mut ahead: Vec<Option<u64>> = (0..15).map(|_| None).collect();
        for t in &mut ahead {
            assert_eq!(pool.try_take(4, t), Take::Wait);
        }
        let mut next = 0;
        let mut sleeps = 0u32;
        let served = take(&pool, 4, || {
            sleeps += 1;
            if sleeps.is_multiple_of(200) && next < ahead.len() {
                drop(holder.take());
                assert_eq!(pool.try_take(4, &mut ahead[next]), Take::Granted);
                holder = Some(Hold { pool: &pool, bytes: 4 });
                next += 1;
            } else if next == ahead.len() {
                drop(holder.take());
            }
            Ok(())
        });
        assert!(served.is_ok(), "gave up after {sleeps} sleeps");
        assert!(sleeps > MAX_WAITS, "{sleeps} sleeps");
        // Without progress the same waiter gives up after MAX_WAITS.
        let _stuck = served.unwrap();
        let mut sleeps = 0u32;
        let refused = take(&pool, 4, || {
            sleeps += 1;
            Ok(())
        });
        assert_eq!((refused.err(), sleeps), (Some(TeeError::OutOfMemory), MAX_WAITS));
    }

    #[test]
    fn a_failed_sleep_ends_the_wait() {
        let pool = Pool::new(1);
        let _held = take(&pool, 1, || Ok(())).unwrap();
        assert_eq!(take(&pool, 1, || Err(TeeError::Communication)).err(), Some(TeeError::OutOfMemory));
    }
}
