CREATE TABLE t818 (id bigint PRIMARY KEY, name text NOT NULL);
