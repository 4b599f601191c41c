CREATE TABLE t734 (id bigint PRIMARY KEY, name text NOT NULL);
