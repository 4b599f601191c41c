CREATE TABLE t846 (id bigint PRIMARY KEY, name text NOT NULL);
