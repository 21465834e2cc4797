//! An in-process SNMP agent serving simulated network printers: the printers of `parcd demo`,
//! which must answer the `snmp_printers` connector on a machine that has only the `parcd`
//! binary, without snmpsimd or snmpd. The connector's tests against real agents stay on
//! those ([`super::Snmpsim`]); this agent is for the demo, and its own tests.
//!
//! Each printer answers SNMPv2c (and v1) GET, GETNEXT and GETBULK on its own UDP port of
//! 127.0.0.1, with one community for all: the connector's targets are `host:port`, and one
//! source has one community. A request with another community gets no answer, as from a
//! real printer. A printer [switched off](PrinterSpec::switched_off) has its port bound and
//! answers nothing, so the connector waits for it and gives up, as on a printer off or
//! unplugged. Nothing is sent unasked: no trap, no broadcast.
//!
//! The protocol side, decoding and encoding the BER messages and processing the requests
//! (GETNEXT over the sorted objects, GETBULK's non-repeaters and max-repetitions, an answer
//! cut to the message size, endOfMibView past the last object, a wrong community dropped), is
//! the agent of the `async-snmp` crate (RFC 3416), built without its SNMPv3 crypto. Of the
//! crates that could do it: `rasn-snmp` gives the message types over the `rasn` BER codec
//! and leaves the request processing above to us, and brings rasn's derive macro, bitvec,
//! nom and num-bigint; `async-snmp`'s agent added three crates to the tree (itself, `nix`,
//! `memoffset`) and leaves us only the objects. snmp2, the connector's own library, decodes
//! requests but keeps its encoder private.
//!
//! The printers' side is [`printer`]: the objects each serves, and how its counters and
//! supplies move at each [`PrinterAgents::advance`]. [`demo_printers`] picks them from a
//! simulated GLPI fleet, with the serial numbers of its printers.

mod glpi;
mod printer;

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_snmp::agent::Agent;
use async_snmp::handler::{
    BoxFuture, GetNextResult, GetResult, HandlerResult, MibHandler, OidTable, RequestContext,
};
use async_snmp::{Oid, Value, VarBind};

pub use glpi::{MAX_DEMO_PRINTERS, demo_printers};
pub use printer::{Make, PrinterSpec};
use printer::{SYS_UPTIME, SimPrinter};

/// Where the printers listen on 127.0.0.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ports {
    /// A free port each, chosen by the system.
    Ephemeral,
    /// `first`, `first + 1`… in the order of the printers.
    From(u16),
}

/// What a printer has counted so far, to compare with what a client read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Pages printed, all kinds (prtMarkerLifeCount).
    pub pages: u64,
    /// Of them, in colour.
    pub colour_pages: u64,
    /// Of them, in black only.
    pub mono_pages: u64,
    /// Of them, on both sides of a sheet.
    pub duplex_pages: u64,
    /// Cartridges and waste boxes replaced since the agent started.
    pub replaced: u64,
}

/// One printer's state, shared by its agent's handler and [`PrinterAgents::advance`].
struct Shared {
    printer: Mutex<SimPrinter>,
    /// The objects served, rebuilt after each round.
    view: Mutex<Arc<OidTable<Value>>>,
    started: Instant,
}

impl Shared {
    fn view(&self) -> Arc<OidTable<Value>> {
        self.view
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// sysUpTime is the agent's own, in hundredths of a second; the rest as last built.
    fn served(&self, oid: &Oid, value: &Value) -> Value {
        if oid.arcs() == SYS_UPTIME {
            let ticks = self.started.elapsed().as_millis() / 10;
            Value::TimeTicks((ticks % (1 << 32)) as u32)
        } else {
            value.clone()
        }
    }
}

/// Answers GET and GETNEXT from the printer's view; the agent makes GETBULK of GETNEXTs.
struct Handler(Arc<Shared>);

impl MibHandler for Handler {
    fn get<'a>(
        &'a self,
        _ctx: &'a RequestContext,
        oid: &'a Oid,
    ) -> BoxFuture<'a, HandlerResult<GetResult>> {
        let view = self.0.view();
        let answer = match view.get(oid) {
            Some(v) => GetResult::Value(self.0.served(oid, v)),
            // An object the printer has, asked with an instance it does not (a table row
            // past the last): noSuchInstance; an object it does not have: noSuchObject.
            None => match oid.parent() {
                Some(parent)
                    if view
                        .get_next(&parent)
                        .is_some_and(|(next, _)| next.starts_with(&parent)) =>
                {
                    GetResult::NoSuchInstance
                }
                _ => GetResult::NoSuchObject,
            },
        };
        Box::pin(async move { Ok(answer) })
    }

    fn get_next<'a>(
        &'a self,
        _ctx: &'a RequestContext,
        oid: &'a Oid,
    ) -> BoxFuture<'a, HandlerResult<GetNextResult>> {
        let view = self.0.view();
        let answer = match view.get_next(oid) {
            Some((next, v)) => {
                GetNextResult::Value(VarBind::new(next.clone(), self.0.served(next, v)))
            }
            None => GetNextResult::EndOfMibView,
        };
        Box::pin(async move { Ok(answer) })
    }
}

/// One printer as served.
struct Served {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// `None` for a printer switched off.
    agent: Option<Arc<Agent>>,
    /// The port of a printer switched off, held so that nothing else takes it and requests
    /// go unanswered rather than refused.
    _silent: Option<UdpSocket>,
}

/// Printers answering SNMP on 127.0.0.1 until dropped.
pub struct PrinterAgents {
    printers: Vec<Served>,
    community: String,
}

/// Why the printers could not start.
pub type StartError = std::io::Error;

impl PrinterAgents {
    /// Serves `printers` with `community`, each on its own port, in tasks of the current
    /// runtime. Fails when a port cannot be bound.
    pub async fn start(
        printers: Vec<PrinterSpec>,
        community: &str,
        ports: Ports,
    ) -> Result<PrinterAgents, StartError> {
        let mut served = Vec::with_capacity(printers.len());
        for (n, spec) in printers.into_iter().enumerate() {
            let port = match ports {
                Ports::Ephemeral => 0,
                Ports::From(first) => u16::try_from(usize::from(first) + n).map_err(|_| {
                    std::io::Error::other(format!(
                        "no port left for printer {} after {first}",
                        n + 1
                    ))
                })?,
            };
            let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let switched_off = spec.switched_off;
            let printer = SimPrinter::new(spec);
            let shared = Arc::new(Shared {
                view: Mutex::new(Arc::new(printer.view())),
                printer: Mutex::new(printer),
                started: Instant::now(),
            });
            if switched_off {
                let socket = UdpSocket::bind(bind)?;
                served.push(Served {
                    addr: socket.local_addr()?,
                    shared,
                    agent: None,
                    _silent: Some(socket),
                });
                continue;
            }
            let agent = Agent::builder()
                .bind(bind.to_string())
                .community(community)
                // Every object is the printer's: a walk past them ends in endOfMibView,
                // not in the agent's own SNMP statistics.
                .without_builtin_handlers()
                .handler(
                    Oid::from_slice(&[1, 3, 6, 1]),
                    Arc::new(Handler(shared.clone())),
                )
                .allow_all_access()
                .build()
                .await
                .map_err(|e| std::io::Error::other(format!("SNMP agent on {bind}: {e}")))?;
            let agent = Arc::new(agent);
            let running = agent.clone();
            let addr = agent.local_addr();
            tokio::spawn(async move {
                if let Err(error) = running.run().await {
                    tracing::warn!(%error, %addr, "simulated printer's SNMP agent stopped");
                }
            });
            served.push(Served {
                addr,
                shared,
                agent: Some(agent),
                _silent: None,
            });
        }
        Ok(PrinterAgents {
            printers: served,
            community: community.to_string(),
        })
    }

    /// `127.0.0.1:PORT` of every printer, in order, those switched off included: the
    /// `targets` of an `snmp_printers` source.
    pub fn targets(&self) -> Vec<String> {
        self.printers.iter().map(|p| p.addr.to_string()).collect()
    }

    /// The address of printer `n`.
    pub fn addr(&self, n: usize) -> SocketAddr {
        self.printers[n].addr
    }

    /// The community the printers answer.
    pub fn community(&self) -> &str {
        &self.community
    }

    /// How many printers are served, those switched off included.
    pub fn len(&self) -> usize {
        self.printers.len()
    }

    /// Whether no printer is served.
    pub fn is_empty(&self) -> bool {
        self.printers.is_empty()
    }

    /// How many answer (are not switched off).
    pub fn answering(&self) -> usize {
        self.printers.iter().filter(|p| p.agent.is_some()).count()
    }

    /// What printer `n` is.
    pub fn spec(&self, n: usize) -> PrinterSpec {
        self.lock(n).spec.clone()
    }

    /// What printer `n` has counted so far.
    pub fn counters(&self, n: usize) -> Counters {
        let p = self.lock(n);
        Counters {
            pages: p.pages,
            colour_pages: p.colour_pages,
            mono_pages: p.mono_pages(),
            duplex_pages: p.duplex_pages,
            replaced: p.replaced,
        }
    }

    /// One round of work for every printer (a switched-off one too: it is someone's
    /// printer that will be switched on again): pages printed, toner used, a nearly empty
    /// cartridge replaced. The same `round` gives the same work.
    pub fn advance(&self, round: u64) {
        for p in &self.printers {
            let mut printer = p
                .shared
                .printer
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            printer.advance(round);
            let view = Arc::new(printer.view());
            drop(printer);
            *p.shared.view.lock().unwrap_or_else(PoisonError::into_inner) = view;
        }
    }

    fn lock(&self, n: usize) -> std::sync::MutexGuard<'_, SimPrinter> {
        self.printers[n]
            .shared
            .printer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for PrinterAgents {
    fn drop(&mut self) {
        for agent in self.printers.iter().filter_map(|p| p.agent.as_ref()) {
            agent.cancel();
        }
    }
}

#[cfg(test)]
mod tests;
