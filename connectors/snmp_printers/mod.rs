//! Network printers polled over SNMP (Printer-MIB, RFC 3805): page counters, supply levels
//! and status, as readings of a telemetry source.
//!
//! A poll is one round over every target, `concurrency` printers at a time, each on its own
//! UDP session; it returns one page, `done`. A printer that does not answer holds its slot
//! `timeout × (retries + 1)` at most, gives a `responding = 0` reading and a warning with
//! its cause, and costs the others nothing: the targets that did not answer the round
//! before (printers switched off, the silent addresses of a range) are polled `concurrency`
//! at a time beside the others, so that waiting on them never holds up the printers that
//! answer. The round fails only when no target answered
//! at all, with the first target's error: then the network, the credentials or the whole
//! site are wrong, not one printer. Its `responding = 0` readings still go to the core
//! with the failure (`Page::failure`), so the printers show as silent while the source
//! shows as down. Addresses found in a range (`10.1.2.0/24`) that stay silent
//! or are not printers are expected and only logged at debug level.
//!
//! With `inventory_source`, each round also polls the printers of that inventory source at
//! the addresses it records, as the core hands them over at the round's start
//! (`inventory.rs`): a printer whose address changed is polled at the new one, and one that
//! left the inventory is no longer polled.
//!
//! Every round reads every printer, so `incremental()` is false. The cursor carries the last
//! supply levels per printer, the one piece of state a round needs from the one before (to
//! count supply replacements); it is bounded by the targets configured.
//!
//! A printer's first read walks its tables; it leaves a plan (`printer::Plan`, kept in
//! memory by the connector, a day at most) of where each object it reads is, so that the
//! next rounds ask exactly those objects in GETs: half the objects or fewer, which is the
//! agent's work, for the same printer. A printer that no longer holds one of them (another
//! printer at the address, a table that shrank) is read in full again in the same round;
//! so is every printer after a restart.

mod cursor;
mod inventory;
mod normalise;
mod oids;
pub mod params;
mod printer;
mod session;

#[cfg(test)]
mod agents;
#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod demo_agent_tests;
#[cfg(test)]
mod plan_tests;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use cursor::SnmpCursor;
pub use normalise::{
    DEVICE_STATUS, PRINTED_PAGES, PRINTED_PAGES_COLOUR, PRINTED_PAGES_DUPLEX, PRINTED_PAGES_MONO,
    PRINTED_SHEETS, PRINTED_SHEETS_A3, PRINTED_SHEETS_A4, PRINTER_STATUS, RESPONDING,
    SUPPLY_REPLACEMENTS, SupplyKind, quantities,
};
pub use params::SnmpPrintersParams;
use params::Target;
use printer::{Outcome, Plan};
use session::Session;

use crate::api::{Connector, Page, PollRequest, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{Kind, SourceParams};
use crate::inventory::{InventoryDevice, InventoryFeed};
use crate::params::Params;
use crate::reading::Reading;

/// The registry's entry for `kind = "snmp_printers"`.
pub const KIND: Kind = Kind {
    name: "snmp_printers",
    read: |p: &mut Params| {
        SnmpPrintersParams::from_params(p).map(|s| Box::new(s) as Box<dyn SourceParams>)
    },
};

/// The SNMP printers connector.
pub struct SnmpPrintersConnector {
    params: Arc<SnmpPrintersParams>,
    plans: Plans,
    /// The targets that gave no answer in the last round, by id.
    silent: Mutex<HashSet<String>>,
}

/// What a round asks of each target.
#[derive(Debug, Clone, Copy)]
enum Job {
    /// One GET: is anybody there, with these credentials?
    Probe,
    Read,
}

/// What one target gave in a round: `None` for a probe.
type Answer = (Target, Result<Option<Outcome>, ConnectorError>);

/// The plan of each printer's next read, by target id (see `printer::Plan`).
type Plans = Arc<Mutex<HashMap<String, Arc<Plan>>>>;

async fn run(
    job: Job,
    target: &Target,
    p: &SnmpPrintersParams,
    plans: &Plans,
) -> Result<Option<Outcome>, ConnectorError> {
    let mut s = Session::open(target, &p.credentials, p.timeout, p.retries).await?;
    match job {
        Job::Probe => s.get(&[oids::SYS_OBJECT_ID.to_vec()]).await.map(|_| None),
        Job::Read => {
            let id = target.id();
            let plan = lock(plans).get(&id).cloned();
            let read = printer::read(&mut s, plan.as_deref()).await?;
            let mut plans = lock(plans);
            match read.plan {
                Some(new) => plans.insert(id, Arc::new(new)),
                None => plans.remove(&id),
            };
            Ok(Some(read.outcome))
        }
    }
}

/// The plans and the silent targets are only read and replaced whole: what a panicking
/// read left is still whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SnmpPrintersConnector {
    pub fn new(params: SnmpPrintersParams) -> Self {
        SnmpPrintersConnector {
            params: Arc::new(params),
            plans: Plans::default(),
            silent: Mutex::default(),
        }
    }

    /// The round's targets: those configured, and the inventory's printers at their
    /// addresses (a printer also listed in `targets` is polled once); with the number of
    /// the inventory's printers left out for want of an address.
    fn targets(&self, inventory: &[InventoryDevice]) -> (Vec<Target>, u64) {
        if self.params.inventory_source.is_none() {
            return (self.params.targets.clone(), 0);
        }
        let found = inventory::targets(inventory, self.params.port);
        if !found.unaddressed.is_empty() {
            let some: Vec<&str> = found
                .unaddressed
                .iter()
                .take(5)
                .map(|d| d.name.as_deref().unwrap_or(&d.external_id))
                .collect();
            tracing::warn!(
                inventory_source = self.params.inventory_source.as_deref().unwrap_or_default(),
                printers = found.unaddressed.len(),
                among = %some.join(", "),
                "printers of the inventory carry no IP address: not polled (record their \
                 address in the inventory, or list them in targets)"
            );
        }
        // Listed wins over found in a range, as for the configured targets alone.
        let mut all: std::collections::BTreeMap<(String, u16), bool> = Default::default();
        for t in self.params.targets.iter().chain(&found.targets) {
            *all.entry((t.host.clone(), t.port)).or_default() |= t.listed;
        }
        let targets = all
            .into_iter()
            .map(|((host, port), listed)| Target { host, port, listed })
            .collect();
        (targets, found.unaddressed.len() as u64)
    }

    /// Runs `job` on every target, `concurrency` at a time, and as many of those silent in
    /// the last round beside them; answers in the targets' order.
    async fn round(&self, job: Job, targets: &[Target]) -> Vec<Answer> {
        let answering = Arc::new(Semaphore::new(self.params.concurrency));
        let silent_gate = Arc::new(Semaphore::new(self.params.concurrency));
        let silent = lock(&self.silent).clone();
        let mut tasks = JoinSet::new();
        for (n, target) in targets.iter().enumerate() {
            let gate = if silent.contains(&target.id()) {
                silent_gate.clone()
            } else {
                answering.clone()
            };
            let (params, target) = (self.params.clone(), target.clone());
            let plans = self.plans.clone();
            tasks.spawn(async move {
                let _slot = gate
                    .acquire_owned()
                    .await
                    .expect("the gate is never closed");
                let result = run(job, &target, &params, &plans).await;
                (n, target, result)
            });
        }
        let mut answers = Vec::with_capacity(targets.len());
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(answer) => answers.push(answer),
                // A panic in one target's read is a bug; the round goes on without it.
                Err(e) => tracing::error!(error = %e, "a printer's read panicked"),
            }
        }
        answers.sort_by_key(|(n, _, _)| *n);
        if let Job::Read = job {
            let now_silent = answers
                .iter()
                .filter(|(_, _, r)| {
                    matches!(r, Err(e) if e.error_type() == crate::error::ErrorType::Timeout)
                })
                .map(|(_, t, _)| t.id())
                .collect();
            *lock(&self.silent) = now_silent;
        }
        answers.into_iter().map(|(_, t, r)| (t, r)).collect()
    }

    /// The round's readings, and its failure when no target answered.
    fn collect(
        &self,
        answers: Vec<Answer>,
        memory: &mut SnmpCursor,
        at: DateTime<Utc>,
    ) -> (Vec<Reading>, Option<ConnectorError>) {
        let polled = answers.len();
        let mut readings = Vec::new();
        let mut answered = 0usize;
        // The poll's error is a listed printer's when there is one: a range is mostly
        // empty addresses, whose silence says less.
        let (mut first_error, mut first_in_range) = (None, None);
        for (target, result) in answers {
            let id = target.id();
            match result {
                Ok(None) => answered += 1,
                Ok(Some(Outcome::Printer(p))) => {
                    answered += 1;
                    let m = memory.printers.entry(id.clone()).or_default();
                    readings.extend(normalise::readings(&id, &p, m, at));
                }
                Ok(Some(Outcome::NotAPrinter { sys_descr })) => {
                    answered += 1;
                    let what = sys_descr.unwrap_or_default();
                    if target.listed {
                        tracing::warn!(target = %id, sys_descr = %what, "answers SNMP but is not a printer (no hrDevicePrinter row, no Printer-MIB marker); no reading");
                    } else {
                        tracing::debug!(target = %id, sys_descr = %what, "not a printer");
                    }
                }
                Err(e) => {
                    if target.listed {
                        tracing::warn!(target = %id, error_type = e.error_type().as_str(), error = %e, "printer not read");
                        readings.push(normalise::silent(&id, memory.printers.get(&id), at));
                        first_error.get_or_insert(e);
                    } else {
                        tracing::debug!(target = %id, error = %e, "no printer");
                        first_in_range.get_or_insert(e);
                    }
                }
            }
        }
        match first_error.or(first_in_range) {
            Some(e) if answered == 0 => {
                tracing::warn!(
                    targets = polled,
                    not_responding = readings.len(),
                    "no target answered; the first cause is the poll's error"
                );
                // Only the `responding = 0` readings can be there: stored, so the printers
                // read as silent, while the source counts as failed.
                (readings, Some(e))
            }
            _ => (readings, None),
        }
    }
}

#[async_trait]
impl Connector for SnmpPrintersConnector {
    fn kind(&self) -> &'static str {
        KIND.name
    }

    fn role(&self) -> Role {
        Role::Telemetry
    }

    fn incremental(&self) -> bool {
        false
    }

    fn inventory_feed(&self) -> Option<InventoryFeed> {
        self.params
            .inventory_source
            .as_ref()
            .map(|source| InventoryFeed {
                source: source.clone(),
                classes: inventory::PRINTING.to_vec(),
            })
    }

    /// Succeeds when one target answers (ranges are mostly empty addresses). A source that
    /// polls an inventory's printers only learns them at a round: with no `targets` of its
    /// own, there is nothing to probe beforehand.
    async fn check(&self) -> Result<(), ConnectorError> {
        if self.params.targets.is_empty() && self.params.inventory_source.is_some() {
            return Ok(());
        }
        let mut first = None;
        for (_, r) in self.round(Job::Probe, &self.params.targets).await {
            match r {
                Ok(_) => return Ok(()),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        Err(first.unwrap_or_else(|| ConnectorError::Config("no target to poll".into())))
    }

    async fn poll(&self, request: PollRequest<'_>) -> Result<Page, ConnectorError> {
        // Readings are stored by the second: the round's start is every reading's time.
        let at = Utc::now().trunc_subsecs(0);
        let mut memory = SnmpCursor::decode(request.cursor);
        let (targets, unaddressed) = self.targets(request.inventory);
        let answers = self.round(Job::Read, &targets).await;
        let (readings, failure) = self.collect(answers, &mut memory, at);
        let polled: std::collections::BTreeSet<String> = targets.iter().map(Target::id).collect();
        memory.printers.retain(|id, _| polled.contains(id));
        lock(&self.plans).retain(|id, _| polled.contains(id));
        Ok(Page {
            readings,
            cursor: memory.encode(),
            done: true,
            failure,
            // The inventory's printers this round could not poll, counted by the core with
            // the rows other sources cannot read.
            rejected: unaddressed,
            ..Page::default()
        })
    }
}
