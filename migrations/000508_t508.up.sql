CREATE TABLE t508 (id bigint PRIMARY KEY, name text NOT NULL);
