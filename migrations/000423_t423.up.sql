CREATE TABLE t423 (id bigint PRIMARY KEY, name text NOT NULL);
