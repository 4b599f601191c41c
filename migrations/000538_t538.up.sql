CREATE TABLE t538 (id bigint PRIMARY KEY, name text NOT NULL);
