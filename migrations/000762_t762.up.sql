CREATE TABLE t762 (id bigint PRIMARY KEY, name text NOT NULL);
