CREATE TABLE t673 (id bigint PRIMARY KEY, name text NOT NULL);
