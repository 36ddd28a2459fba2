from django.apps import AppConfig


class KernelTestConfig(AppConfig):
    name = "tests.kernelapp"
    label = "kerneltest"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mallbots.kernel.eventstore.api import register_projection
        from mallbots.kernel.messaging.api import handle_command, subscribe

        from . import commands, contracts, handlers, saga, signals

        register_projection(signals.LedgerProjection())
        subscribe(
            contracts.LedgerCredited,
            handlers.on_ledger_credited_in_order,
            name="kerneltest.on_ledger_credited_in_order",
            queue="kerneltest",
            order_group="kerneltest.ledger_history",
        )
        subscribe(
            contracts.LedgerClosed,
            handlers.on_ledger_closed_in_order,
            name="kerneltest.on_ledger_closed_in_order",
            queue="kerneltest",
            order_group="kerneltest.ledger_history",
        )
        subscribe(
            contracts.LedgerCredited,
            handlers.on_ledger_credited_count,
            name="kerneltest.on_ledger_credited_count",
            queue="kerneltest",
        )
        subscribe(
            contracts.LedgerCredited,
            handlers.on_ledger_credited_forward,
            name="kerneltest.on_ledger_credited_forward",
            queue="kerneltest",
        )
        subscribe(
            contracts.LedgerNoted,
            handlers.on_ledger_noted,
            name="kerneltest.on_ledger_noted",
            queue="kerneltest",
        )
        subscribe(
            contracts.LedgerNoted,
            handlers.on_ledger_noted_in_order,
            name="kerneltest.on_ledger_noted_in_order",
            queue="kerneltest",
            ordered=True,
        )
        subscribe(
            contracts.LedgerAudited,
            handlers.on_ledger_audited_in_order,
            name="kerneltest.on_ledger_audited_in_order",
            queue="kerneltest",
            ordered=True,
            start_from="earliest",
        )
        subscribe(
            contracts.LedgerAudited,
            handlers.on_ledger_audited,
            name="kerneltest.on_ledger_audited",
            queue="kerneltest",
        )
        for command, handler in (
            (contracts.Reserve, commands.reserve),
            (contracts.Release, commands.release),
            (contracts.Charge, commands.charge),
            (contracts.Refund, commands.refund),
        ):
            handle_command(command, handler, name=f"kerneltest.{handler.__name__}", queue="kerneltest")
        saga.TransferSaga.register()
