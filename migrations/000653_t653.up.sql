CREATE TABLE t653 (id bigint PRIMARY KEY, name text NOT NULL);
