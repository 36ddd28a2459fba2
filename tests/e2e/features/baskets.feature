Feature: Baskets
  As a registered customer at a kiosk
  I can fill a basket with products from many stores

  Background:
    Given I am a kiosk
    And the customer "Ada" is registered
    And "Ada" has started a basket

  Scenario: Adding items
    Given the store "Nic & Naks" sells "Wizard w/ crystal" at 9.99
    When "Ada" adds 10 "Wizard w/ crystal" to the basket
    Then the basket holds 10 "Wizard w/ crystal" at 9.99 from "Nic & Naks"

  Scenario: Removing some of an item keeps the rest
    Given the store "Nic & Naks" sells "Wizard w/ crystal" at 9.99
    And "Ada" adds 2 "Wizard w/ crystal" to the basket
    When "Ada" removes 1 "Wizard w/ crystal" from the basket
    Then the basket holds 1 "Wizard w/ crystal" at 9.99 from "Nic & Naks"

  Scenario: Products that do not exist cannot be added
    When "Ada" adds 10 of an unknown product to the basket
    Then the request fails with 404 "product fallback failed: product was not located"

  Scenario: An empty basket cannot be checked out
    When "Ada" checks out the basket paying with "payment-1"
    Then the request fails with 400 "the basket has no items"

  Scenario: Checking out a basket
    Given the store "Nic & Naks" sells "Wizard w/ crystal" at 9.99
    And "Ada" adds 2 "Wizard w/ crystal" to the basket
    When "Ada" checks out the basket paying with "payment-1"
    Then the basket is "checked_out"
