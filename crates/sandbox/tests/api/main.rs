//! The sandbox over real HTTP: every route of every target, the admin controls and the faults.

mod support;

mod casebook;
mod caspen;
mod charity_crm;
mod contract;
mod faults_and_admin;
mod gateway_proxy;
mod idempotency;
mod persons_v1;
mod serving;
mod unite_us;
