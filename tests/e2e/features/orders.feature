@both_saga_modes
Feature: Order processing
  As a customer at a kiosk
  I check out my basket, a bot collects my items, and I pay for them

  Background:
    Given the mall's workers are running
    And I am a kiosk
    And the store "Nic & Naks" sells "Wizard w/ crystal" at 9.99
    And the customer "Ada" is registered
    And "Ada" has authorized a payment of 100.00
    And "Ada" has started a basket
    And "Ada" adds 2 "Wizard w/ crystal" to the basket

  Scenario: A checked-out basket becomes an approved order
    When "Ada" checks out the basket with her payment
    Then the order is "approved"
    And the order's shopping list is "available"
    And the order's saga ran the way the mall runs sagas

  Scenario: A bot collects the order and the customer pays
    Given "Ada" has checked out the basket with her payment
    And the order is "approved"
    And the depot has an idle bot "Robo-1"
    When the depot assigns the order's shopping list to "Robo-1"
    Then the order is "in-progress"
    When the depot completes the order's shopping list
    Then the order is "ready"
    And an invoice of 19.98 is pending for the order
    When "Ada" pays the invoice
    Then the order is "completed"

  Scenario: A payment smaller than the order rejects it
    Given "Ada" has authorized a payment of 5.00
    When "Ada" checks out the basket with her payment
    Then the order is "rejected" because "the payment is smaller than the order total"

  Scenario: Cancelling an approved order
    Given "Ada" has checked out the basket with her payment
    And the order is "approved"
    When "Ada" cancels the order
    Then the order is "cancelled"
    And the order's shopping list is "canceled"
