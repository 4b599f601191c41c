CREATE TABLE t220 (id bigint PRIMARY KEY, name text NOT NULL);
