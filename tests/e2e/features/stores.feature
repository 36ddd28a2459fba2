Feature: Store management
  As a store manager
  I can open stores in the mall and list their products

  Scenario: Opening a store
    Given I am a store manager
    And there is no store called "Waldorf Books"
    When I create the store "Waldorf Books" at "Level 2, east wing"
    Then the store "Waldorf Books" is listed

  Scenario: A store needs a name
    Given I am a store manager
    When I create the store "" at "Level 2, east wing"
    Then the request fails with 400 "the store name cannot be blank"

  Scenario: Adding a product to a store
    Given I am a store manager
    And the store "Nic & Naks" exists
    When I add the product "Wizard w/ crystal" priced 9.98 to "Nic & Naks"
    Then the catalog of "Nic & Naks" lists "Wizard w/ crystal" at 9.98
