//! The conformance cases, by topic. [`conformance_cases!`](crate::conformance_cases)
//! lists them all; add a new case there too.

pub mod attack7;
pub mod attack7b;
pub mod attack8;
pub mod cancel_matrix;
pub mod errors;
pub mod lifecycle;
pub mod queries;
pub mod recovery;
pub mod reference;
pub mod results;
pub mod scope;
pub mod stream;
pub mod types;
pub mod writes;

/// Every case, as `module::case`: expanded by [`conformance!`](crate::conformance).
#[macro_export]
#[doc(hidden)]
macro_rules! conformance_cases {
    ($db:ty) => {
        $crate::conformance!(@expand $db;
            reference::quickstart,
            reference::model_methods,
            reference::executing_queries,
            reference::helper_methods,
            reference::transactions,
            reference::run_setup_app,
            reference::run_register,
            reference::atomic_transfer_funds,
            reference::get_with_join,
            reference::afetch_caches,
            reference::create_and_drop_tables,
            reference::bulk_create_and_update,
            reference::save_options,
            reference::only_dirty_save,
            writes::create_from_the_columns_set,
            writes::insert_rows_of_values,
            writes::typed_upserts,
            writes::save_and_bulk_options,
            results::declared_defaults_apply_on_every_create_path,
            results::comparisons_with_none_are_null_tests,
            results::inserts_report_only_their_own_key,
            results::run_binds_until_the_work_completes,
            results::cursor_reads_each_row_once,
            results::every_loaded_model_tracks_its_state,
            results::closures_fail_with_the_applications_error,
            results::raw_sql_takes_compiled_sql,
            results::assigned_keys_fit_their_type,
            scope::task_scope_shares_transaction,
            scope::spawned_task_runs_outside,
            scope::concurrent_tasks_isolated,
            scope::dropped_guard_rolls_back,
            scope::early_return_rolls_back,
            scope::closure_commits_or_rolls_back,
            scope::panic_rolls_back,
            scope::aborted_task_rolls_back,
            scope::cancelled_future_rolls_back,
            scope::commit_and_rollback_continue_the_block,
            scope::nested_atomic_savepoints,
            scope::nested_transaction_joins,
            scope::dropped_savepoint_rolls_back_to_it,
            scope::failed_joined_block_keeps_outer_work,
            scope::stale_guard_cannot_touch_newer_blocks,
            scope::out_of_order_commit_is_an_error,
            scope::aclose_with_open_transaction,
            scope::aconnect_binds_task_connection,
            scope::explicit_handles,
            scope::close_pool_drains,
            errors::unique_violation_then_recovery,
            errors::constraint_kinds,
            errors::invalid_sql_then_recovery,
            errors::placeholder_mismatch_is_interface,
            errors::does_not_exist_names_model,
            errors::acquire_timeout,
            errors::decode_error_names_column,
            lifecycle::streams_on_bound_connections_come_back,
            lifecycle::guard_dropped_during_stream_rolls_back,
            lifecycle::close_pool_after_streams,
            lifecycle::inner_guard_is_refused_after_outer_ends,
            lifecycle::joined_savepoint_never_undoes_an_acknowledged_write,
            recovery::killed_connection_is_replaced,
            recovery::killed_connection_ends_the_transaction,
            recovery::close_pool_then_reopen,
            recovery::close_pool_rolls_back_open_transactions,
            stream::iterate_in_batches,
            stream::dropped_stream_releases_connection,
            stream::query_during_stream_is_an_error,
            stream::stream_inside_transaction,
            stream::failed_stream_releases_connection,
            stream::exhausted_stream_releases_connection,
            queries::filters,
            queries::pattern_matching,
            queries::joins_and_aggregates,
            queries::subqueries_and_compounds,
            queries::ordering_and_paging,
            queries::expressions,
            queries::writes,
            types::every_type_round_trips,
            types::hostile_strings_round_trip,
            types::times_keep_every_digit_or_are_refused,
            types::special_floats_keep_their_bits_or_are_refused,
            types::json_floats_round_trip,
            types::json_deeper_than_readable_is_refused,
            types::decimals_keep_every_digit,
            types::decimals_beyond_their_declaration_are_refused,
            types::bulk_writes_check_every_value,
            attack7::close_pool_inside_atomic_run_keeps_half_the_block,
            attack7::default_now_dates_via_the_builder_decode,
            attack7::i32_keys_are_reported,
            attack7::default_now_date_via_the_builder_decodes,
            attack7::close_pool_with_a_stream_open_releases_the_transaction,
            attack7b::close_pool_in_a_nested_block_refuses_everything_until_the_blocks_end,
            attack7b::close_pool_from_a_joined_future_is_all_or_nothing,
            attack7b::close_pool_from_another_task_is_all_or_nothing,
            attack7b::lost_connection_in_a_nested_block_refuses_everything,
            attack8::streams_dropped_at_every_point_keep_the_block,
            attack8::streams_dropped_in_nested_blocks_keep_both,
            attack8::stream_failing_to_decode_keeps_the_block,
            attack8::aborted_task_holding_a_stream_leaves_nothing,
            #[ignore = "BUG (PostgreSQL): a stream dropped before its first row arrives loses the whole transaction block (ConnectionLost)"]
            attack8::stream_dropped_while_opening_keeps_the_block,
            attack8::create_at_its_edges,
            attack8::insert_rows_check_every_value,
            attack8::special_floats_on_the_new_write_paths,
            attack8::upserts_at_their_edges,
            attack8::bulk_update_at_its_edges,
            attack8::bulk_create_at_its_edges,
            #[ignore = "BUG (PostgreSQL): abulk_create of models with only an auto key is refused (several rows of defaults)"]
            attack8::bulk_create_of_key_only_models,
            attack8::first_n_respects_the_selects_own_limit,
            #[ignore = "BUG (SQLite): a column set twice on create/insert/insert_rows silently keeps the first value"]
            attack8::a_column_set_twice_keeps_the_last_or_is_refused,
            #[ignore = "BUG: asave().only(..) records the fields it left out as saved, so the next asave() never writes them"]
            attack8::save_only_keeps_the_other_changes_dirty,
            #[ignore = "BUG: asave().only(..) on a new model inserts every field instead of only those (the others' defaults)"]
            attack8::save_only_on_a_new_model_inserts_only_those,
            #[ignore = "BUG (SQLite; PostgreSQL past 20k rows): abulk_update's default batch is one CASE of ~11k-22k WHENs per row, 50-100x slower than batches of 100"]
            attack8::bulk_update_of_many_rows_is_not_quadratic,
            cancel_matrix::dropped_at_every_await,
            cancel_matrix::aborted_at_every_await,
            cancel_matrix::failed_at_every_operation,
            cancel_matrix::cut_at_every_operation,
            cancel_matrix::lost_connection_is_never_used_again,
            cancel_matrix::statements_are_counted,
            cancel_matrix::open_transaction_is_seen,
        );
    };
}
